import { listEnvironmentStates, listShownEnvironmentStates, type EnvironmentState, type ShownDeployment } from '../db/deployments.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { localTime, table } from '../terminal/format.js';
import type { Output } from '../terminal/output.js';
import { printable } from '../terminal/printable.js';
import { withStore, type CommandContext } from './context.js';

export interface StatusOptions {
  app?: string;
  env?: string;
}

export async function run(ctx: CommandContext, options: StatusOptions): Promise<ExitCodeValue> {
  const filter = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
  };
  // --json gives whole records; a table reads only the columns it shows.
  const list = ctx.out.json ? listEnvironmentStates : listShownEnvironmentStates;
  const states = await withStore(ctx, (store) => store.read((tx) => list(tx, store.dialect.kind, filter)), 'read');
  ctx.out.result(states, () => statusTable(ctx.out, states));
  return ExitCode.ok;
}

function statusTable(out: Output, states: EnvironmentState<ShownDeployment>[]): string {
  if (states.length === 0) return 'nothing deployed yet';
  return table(
    ['APP', 'ENV', 'VERSION', 'DEPLOYED', 'BY', 'KEY', 'OPEN'],
    states.map(({ app, env, current, open }) => [
      app,
      env,
      current ? (current.version ?? current.image ?? current.commitSha ?? '-') : '-',
      current ? localTime(current.completedAt ?? current.createdAt) : '-',
      current?.operator ?? '-',
      current?.key ?? '-',
      { painted: open.map((d) => `${printable(d.key)} ${printable(d.version ?? '')} ${out.status(d.status)}`.replace(/ +/g, ' ')).join(', ') },
    ]),
    { width: out.columns, cuttable: [2, 4] },
  );
}
