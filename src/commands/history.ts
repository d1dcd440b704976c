import { listHistory } from '../db/deployments.js';
import { parseSince } from '../duration.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { historyTable } from '../format.js';
import * as valid from '../validate.js';
import { withStore, type CommandContext } from './context.js';

export interface HistoryOptions {
  app?: string;
  env?: string;
  status?: string;
  since?: string;
  limit?: string;
}

export async function run(ctx: CommandContext, options: HistoryOptions): Promise<ExitCodeValue> {
  const filter = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
    status: valid.status(options.status, '--status'),
    since: options.since === undefined ? undefined : parseSince(options.since),
    limit: valid.positiveInteger(options.limit, '--limit', 100_000) ?? 20,
  };
  const deployments = await withStore(ctx, (store) => store.read((tx) => listHistory(tx, filter)), 'read');
  ctx.out.result(deployments, () => historyTable(ctx.out, deployments));
  return ExitCode.ok;
}
