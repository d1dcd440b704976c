// A history at organisation scale (issue 21): 1,000,000 records of which 27% are klepaas-style duplicates, on
// SQLite and on PostgreSQL (a throwaway database on the run's server). Prints, each beside its goal, the time and
// the peak RSS of shiplog's own process for cleanup's plan and apply, stats, report, history --all and import. The
// goal for apply is relative: at most twice the merge written straight in SQL (scale-history.ts's baseline), run
// on a copy of the same data in the same run. `npm run bench -- scale`; SHIPLOG_BENCH_SMOKE=1 runs it at a few
// thousand records in seconds and checks no goal.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { klepaasHistoryTable } from '../test/support/klepaas-schema.js';
import { createSchemaThrough } from '../test/support/older-schema.js';
import { timedRun, type RunCost, type RunPlace } from './support/cli-runs.js';
import { copyThrowawayDatabase, createThrowawayDatabase, withClient, type ThrowawayDatabase } from './support/postgres-store.js';
import { baselineMerge, klepaasSource, scaleHistory, type ScaleShape } from './support/scale-history.js';
import { sized, smoke } from './support/smoke.js';

const cliPath = fileURLToPath(new URL('../bin/shiplog.js', import.meta.url));
const dayMs = 86_400_000;
const shape: ScaleShape = { records: sized(1_000_000, 4_000), duplicates: sized(270_000, 1_080), start: new Date(Date.now() - 1_100 * dayMs) };
const importRows = sized(200_000, 2_000);
const goals = { rssMiB: 150, statsMs: 2_000, reportMs: 2_000, applyRatio: 2 };

/** One store's half of the bench: how to build it, copy it, and run SQL on it. */
interface ScaleStore {
  kind: 'sqlite' | 'postgres';
  spec: string;
  /** Runs the statements in one transaction. */
  execute(statements: readonly string[]): Promise<void>;
  /** Runs the statements that build the history, then leaves the store as years of use would (checkpointed, analysed). */
  build(statements: readonly string[]): Promise<void>;
  count(table: string): Promise<number>;
  /** A copy of the store as it is now, for the baseline merge. */
  copy(): Promise<ScaleStore>;
  dispose(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'shiplog-scale-bench-'));
/** The CLI runs outside any git checkout, as on a CI runner's shared store: stats asks no git about commit times. */
const place: RunPlace = { cwd: dir };
let failedGoals = 0;

async function main(): Promise<void> {
  console.log(`${smoke ? 'SMOKE (no goals checked): ' : ''}${shape.records} records, ${shape.duplicates} of them duplicates (${((100 * shape.duplicates) / shape.records).toFixed(0)}%); import of ${importRows} klepaas rows`);
  const source = join(dir, 'klepaas.db');
  buildKlepaasSource(source);
  const stores: ScaleStore[] = [sqliteStore(join(dir, 'shiplog.db'))];
  const postgres = await createThrowawayDatabase(`shiplog_scale_${process.pid}`);
  if ('skipped' in postgres) console.log(`PostgreSQL half SKIPPED: ${postgres.skipped}`);
  else stores.push(postgresStore(postgres));
  try {
    for (const store of stores) await measure(store, source);
  } finally {
    await Promise.allSettled(stores.map((store) => store.dispose()));
    rmSync(dir, { recursive: true, force: true });
  }
  if (!smoke && failedGoals > 0) console.log(`${failedGoals} figure(s) over their goal`);
}

async function measure(store: ScaleStore, klepaasFile: string): Promise<void> {
  console.log(`\n${store.kind}`);
  await createSchemaThrough(store.spec, historySchema);
  const built = await timed(() => store.build(scaleHistory(store.kind, shape)));
  console.log(`  built in ${seconds(built)} (set SQL, schema of ${historySchema}), ${await store.count('deployments')} records, ${await store.count('deployment_events')} events`);
  report('upgraded to the current schema (doctor --fix)', cli(store, ['doctor', '--fix'], 'ignore'));

  report('cleanup --duplicates (plan)', cli(store, ['cleanup', '--duplicates']));
  report('cleanup --duplicates --json (plan, to /dev/null)', cli(store, ['--json', 'cleanup', '--duplicates'], 'ignore'));

  const copy = await store.copy();
  const baselineMs = await timed(() => copy.execute(baselineMerge(copy.kind, new Date().toISOString())));
  const left = await copy.count('deployments');
  await copy.dispose();
  const apply = cli(store, ['cleanup', '--duplicates', '--apply', ...(store.kind === 'sqlite' ? ['--backup', join(dir, 'before-cleanup.db')] : [])]);
  rmSync(join(dir, 'before-cleanup.db'), { force: true });
  report('cleanup --duplicates --apply', apply, { ms: goals.applyRatio * baselineMs, what: `${goals.applyRatio}× baseline` });
  console.log(`  ${'  the baseline merge (set SQL, scale-history.ts)'.padEnd(52)} ${seconds(baselineMs)}; apply took ${(apply.wallMs / baselineMs).toFixed(2)}× it`);
  const kept = await store.count('deployments');
  if (kept !== left || kept !== shape.records - shape.duplicates) {
    throw new Error(`cleanup --apply left ${kept} records, the baseline merge ${left}, of ${shape.records} with ${shape.duplicates} duplicates`);
  }

  report('stats --since 3650d', cli(store, ['stats', '--since', '3650d']), { ms: goals.statsMs, what: `${goals.statsMs / 1000} s` });
  const page = join(dir, `report-${store.kind}.html`);
  report('report --html --since 3650d', cli(store, ['report', '--html', page, '--since', '3650d']), { ms: goals.reportMs, what: `${goals.reportMs / 1000} s` });
  report('history --all (to /dev/null)', cli(store, ['history', '--all'], 'ignore'));
  report('history --all --json (to /dev/null)', cli(store, ['--json', 'history', '--all'], 'ignore'));
  report(`import --from klepaas (${importRows} rows, ${(statSync(klepaasFile).size / 1024 / 1024).toFixed(0)} MB)`, cli(store, ['import', '--from', 'klepaas', klepaasFile]));
}

/**
 * The history is built as it stands in a store that grew over years before this shiplog: on the schema of the last
 * migration whose tables it fills (commits and their times), so the store's own derived tables (delivered_changes)
 * are filled the way an organisation's are on upgrading, and that upgrade is measured too. Filling them row by row
 * through their triggers, as a million deployments and half a million commits arrive in one statement each, is not
 * what any store goes through.
 */
const historySchema = '006_deployment_commits';

function cli(store: ScaleStore, args: string[], stdout: RunPlace['stdout'] = 'pipe'): RunCost {
  return timedRun([cliPath, '--db', store.spec, ...args], { ...place, stdout });
}

/** One figure's line: its time (beside its goal, where it has one) and its peak RSS beside the memory goal. */
function report(name: string, cost: RunCost, timeGoal?: { ms: number; what: string }): void {
  const verdict = (over: boolean) => (smoke ? '' : over ? '  OVER' : '  ok');
  const timeOver = timeGoal !== undefined && cost.wallMs > timeGoal.ms;
  const time = `${seconds(cost.wallMs)}${timeGoal ? ` (goal ≤ ${timeGoal.what})${verdict(timeOver)}` : ''}`;
  const rssOver = cost.peakRssMiB !== undefined && cost.peakRssMiB > goals.rssMiB;
  const rss = cost.peakRssMiB === undefined ? 'peak RSS unknown (no /usr/bin/time)' : `peak RSS ${cost.peakRssMiB.toFixed(0)} MiB (goal ≤ ${goals.rssMiB})${verdict(rssOver)}`;
  if (timeOver) failedGoals += 1;
  if (rssOver) failedGoals += 1;
  console.log(`  ${name.padEnd(52)} ${time.padEnd(36)} ${rss}`);
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function buildKlepaasSource(path: string): void {
  const db = new BetterSqlite3(path);
  try {
    db.exec(klepaasHistoryTable);
    db.exec(klepaasSource(importRows, new Date(Date.now() - 400 * dayMs)));
  } finally {
    db.close();
  }
}

function sqliteStore(path: string): ScaleStore {
  const withDatabase = <T>(work: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(path, { fileMustExist: true });
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    kind: 'sqlite',
    spec: path,
    async execute(statements) {
      withDatabase((db) => db.transaction(() => statements.forEach((statement) => db.exec(statement)))());
    },
    async build(statements) {
      withDatabase((db) => {
        db.pragma('cache_size = -262144');
        db.transaction(() => statements.forEach((statement) => db.exec(statement)))();
        // Into the main file, as SQLite's auto-checkpoint would have done over time: the CLI then reads the store, not a log.
        db.pragma('wal_checkpoint(TRUNCATE)');
      });
    },
    async count(table) {
      return withDatabase((db) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
    },
    async copy() {
      const copied = `${path}.copy`;
      copyFileSync(path, copied);
      return sqliteStore(copied);
    },
    async dispose() {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    },
  };
}

function postgresStore(database: ThrowawayDatabase, copies = 0): ScaleStore {
  return {
    kind: 'postgres',
    spec: database.url,
    async execute(statements) {
      await withClient(database.url, async (client) => {
        await client.query('begin');
        for (const statement of statements) await client.query(statement);
        await client.query('commit');
      });
    },
    async build(statements) {
      await this.execute(statements);
      // The statistics autovacuum would have gathered on a store used for years.
      await withClient(database.url, (client) => client.query('vacuum analyze'));
    },
    async count(table) {
      return withClient(database.url, async (client) => Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n));
    },
    async copy() {
      return postgresStore(await copyThrowawayDatabase(database, `${database.name}_copy${copies + 1}`), copies + 1);
    },
    dispose: () => database.drop(),
  };
}

await main();
