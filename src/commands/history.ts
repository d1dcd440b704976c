import { listHistory } from '../db/deployments.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { historyTable } from '../terminal/format.js';
import { parseSince } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface HistoryOptions {
  app?: string;
  env?: string;
  status?: string;
  since?: string;
  limit?: string;
  all?: boolean;
}

const defaultLimit = 20;

/**
 * Newest first. When the limit cuts the list, a line on stderr says how many were left out (with --json too,
 * whose stdout stays the plain list scripts parse), so nobody takes the newest 20 for the whole history.
 */
export async function run(ctx: CommandContext, options: HistoryOptions): Promise<ExitCodeValue> {
  if (options.all && options.limit !== undefined) throw new UsageError("give --limit N or --all, not both; see 'shiplog history --help'", 'bad_value');
  const filter = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
    status: valid.status(options.status, '--status'),
    since: options.since === undefined ? undefined : parseSince(options.since),
    limit: options.all ? undefined : (valid.positiveInteger(options.limit, '--limit', 100_000) ?? defaultLimit),
  };
  const { deployments, total, moreThan } = await withStore(ctx, (store) => store.read((tx) => listHistory(tx, filter)), 'read');
  ctx.out.result(deployments, () => historyTable(ctx.out, deployments));
  if (moreThan || total > deployments.length) {
    ctx.out.progress(`${deployments.length} of ${moreThan ? 'more than ' : ''}${total} shown; --limit N or --all for more`);
  }
  return ExitCode.ok;
}
