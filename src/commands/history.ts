import { listHistory, streamHistory, type HistoryFilter } from '../db/deployments.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { historyTable } from '../terminal/format.js';
import { JsonArraySpool, writeJsonDocument } from '../terminal/json-spool.js';
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

/** Records `history --all` lays out as one table: each page is aligned on its own, the header printed once. */
const rowsPerPage = 1_000;

/**
 * Newest first. When the limit cuts the list, a line on stderr says how many were left out (with --json too,
 * whose stdout stays the plain list scripts parse), so nobody takes the newest 20 for the whole history.
 */
export async function run(ctx: CommandContext, options: HistoryOptions): Promise<ExitCodeValue> {
  if (options.all && options.limit !== undefined) throw new UsageError("give --limit N or --all, not both; see 'shiplog history --help'", 'bad_value');
  const filter: HistoryFilter = {
    app: options.app === undefined ? undefined : valid.requireName(options.app, '--app'),
    env: options.env === undefined ? undefined : valid.requireName(options.env, '--env'),
    status: valid.status(options.status, '--status'),
    since: options.since === undefined ? undefined : parseSince(options.since),
  };
  if (options.all) return ctx.out.json ? printAllAsJson(ctx, filter) : printAll(ctx, filter);
  const limit = valid.positiveInteger(options.limit, '--limit', 100_000) ?? defaultLimit;
  const { deployments, total, moreThan } = await withStore(ctx, (store) => store.read((tx) => listHistory(tx, filter, limit)), 'read');
  ctx.out.result(deployments, () => historyTable(ctx.out, deployments));
  if (moreThan || total > deployments.length) {
    ctx.out.progress(`${deployments.length} of ${moreThan ? 'more than ' : ''}${total} shown; --limit N or --all for more`);
  }
  return ExitCode.ok;
}

/** The whole history as a table, a page at a time as it is read. */
async function printAll(ctx: CommandContext, filter: HistoryFilter): Promise<ExitCodeValue> {
  let page: Parameters<typeof historyTable>[1] = [];
  let pages = 0;
  const print = () => {
    const text = historyTable(ctx.out, page);
    ctx.out.stdout.write(`${pages === 0 ? text : text.slice(text.indexOf('\n') + 1)}\n`);
    pages += 1;
    page = [];
  };
  await withStore(
    ctx,
    (store) =>
      store.read(async (tx) => {
        for await (const deployment of streamHistory(tx, store.dialect.kind, filter)) {
          page.push(deployment);
          if (page.length === rowsPerPage) print();
        }
      }),
    'read',
  );
  if (page.length > 0 || pages === 0) print();
  return ExitCode.ok;
}

/** The whole history as one JSON array, spooled as it is read and printed once the read is done (stdout stays empty if it fails). */
async function printAllAsJson(ctx: CommandContext, filter: HistoryFilter): Promise<ExitCodeValue> {
  const spool = new JsonArraySpool();
  try {
    await withStore(
      ctx,
      (store) =>
        store.read(async (tx) => {
          for await (const deployment of streamHistory(tx, store.dialect.kind, filter)) spool.push(deployment);
        }),
      'read',
    );
    writeJsonDocument(ctx.out.stdout, spool);
  } finally {
    spool.dispose();
  }
  return ExitCode.ok;
}
