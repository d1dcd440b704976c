import { CiReport } from '../ci/report.js';
import { getDeployment } from '../db/deployments.js';
import { applyTransition } from '../db/transition.js';
import { finalStatuses, isFinal } from '../deployment/lifecycle.js';
import * as valid from '../deployment/validate.js';
import { ConflictError, ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { printable } from '../terminal/printable.js';
import { withStore, type CommandContext } from './context.js';

export interface FinishOptions {
  status?: string;
  message?: string;
  dotenv?: string;
}

/**
 * Closes a deployment by hand or from CI. Finishing with the status it already has is a no-op (a retried CI
 * step must not fail); any other change to a final record is refused, since a final status never changes.
 */
export async function run(ctx: CommandContext, ref: string, options: FinishOptions): Promise<ExitCodeValue> {
  const to = valid.status(options.status, '--status', finalStatuses);
  if (to === undefined) throw new UsageError('--status is required: success, failed or cancelled', 'missing_option');
  const message = valid.optionalText(options.message, '--message');
  const report = CiReport.from(options.dotenv);
  return withStore(ctx, async (store) => {
    const deployment = await store.write(async (tx) => {
      const current = await getDeployment(tx, ref);
      if (current.status === to) return current;
      if (isFinal(current.status)) {
        throw new UsageError(`${current.key} already ended ${current.status}; a final status never changes`, 'already_final');
      }
      const applied = await applyTransition(tx, {
        id: current.id,
        from: current.status,
        to,
        source: 'cli',
        detail: message ?? `finished by hand as ${to}`,
        set: to === 'success' ? {} : { error: message ?? current.error ?? `finished as ${to}` },
      });
      if (!applied) throw new ConflictError(`${current.key} changed while it was being finished; run the command again`);
      return getDeployment(tx, String(current.id));
    });
    ctx.out.result(deployment, () => `${printable(`${deployment.key} ${deployment.app} -> ${deployment.env}`)}: ${ctx.out.status(deployment.status)}`);
    report.write(ctx.out, [deployment]);
    return ExitCode.ok;
  });
}
