import { getDeployment, listEvents } from '../db/deployments.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { deploymentDetails } from '../terminal/format.js';
import { withStore, type CommandContext } from './context.js';

export async function run(ctx: CommandContext, ref: string): Promise<ExitCodeValue> {
  const shown = await withStore(
    ctx,
    (store) =>
      store.read(async (tx) => {
        const deployment = await getDeployment(tx, ref);
        return { ...deployment, events: await listEvents(tx, deployment.id) };
      }),
    'read',
  );
  ctx.out.result(shown, () => deploymentDetails(ctx.out, shown, shown.events));
  return ExitCode.ok;
}
