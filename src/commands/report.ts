import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { withSmallSorts } from '../db/sort-memory.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { reportModel } from '../insights/report/report-model.js';
import { reportPage } from '../insights/report/report-page.js';
import { readReportRows } from '../insights/report/report-rows.js';
import { parseSince } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface ReportOptions {
  html: string;
  app?: string;
  env?: string;
  since?: string;
}

export async function run(ctx: CommandContext, options: ReportOptions): Promise<ExitCodeValue> {
  const app = options.app === undefined ? undefined : valid.requireName(options.app, '--app');
  const env = options.env === undefined ? undefined : valid.requireName(options.env, '--env');
  const file = valid.optionalIdentifier(options.html, '--html', 4_096)!;
  const until = Date.now();
  const since = parseSince(options.since ?? '30d', until);
  const rows = await withStore(ctx, (store) => store.read((tx) => withSmallSorts(tx, store.dialect.kind, () => readReportRows(tx, store.dialect.kind, { app, env, since }))), 'read');
  const model = reportModel(rows, { app: app ?? null, env: env ?? null, span: { sinceMs: Date.parse(since), untilMs: until } });
  const page = reportPage(model);
  writeWhole(file, page);
  const shown = model.lanes.reduce((total, lane) => total + lane.shown.length, 0);
  const summary = { file, bytes: Buffer.byteLength(page), since, until: new Date(until).toISOString(), deployments: model.counts.total, shown };
  ctx.out.result(summary, () => `wrote ${file} (${Math.ceil(summary.bytes / 1024)} kB): ${summary.deployments} deployments since ${since}, the timeline shows ${shown}`);
  return ExitCode.ok;
}

/** The page appears whole or not at all: a CI job that publishes it never picks up half a file. */
function writeWhole(file: string, page: string): void {
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  try {
    writeFileSync(partial, page);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--html: cannot write ${valid.quoted(file)} (${reason}); give a file in a directory that exists and that you may write to`, 'unwritable_file', { cause: error });
  }
}
