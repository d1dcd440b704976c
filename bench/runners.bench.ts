// The runners benchmark (issue 21): 500 CI runners deploy at once against one PostgreSQL store, directly (a server
// of its own with PostgreSQL's default max_connections = 100) and through PgBouncer (transaction pooling, a pool of
// 20), two cycles each. A cycle is a CI job's: `deploy --key` wrapping the deploy command (shiplog runs it and
// records its outcome), then `finish KEY --status success` as a later step that closes the record (a no-op on a
// success, but a process start, a store open and a write transaction like any). Prints the errors by exit code
// and the p50/p99 of a cycle. Goal: 0 errors both ways. `npm run bench -- runners`. SHIPLOG_BENCH_SMOKE=1 runs 5
// runners in seconds on the server SHIPLOG_BENCH_PG_URL names (skipped without it), with a PgBouncer of its own
// in front, and checks no goal.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPgBouncer, type PgBouncer } from '../test/support/pgbouncer.js';
import { canStartPostgresCluster, startPostgresCluster, type PostgresCluster } from '../test/support/postgres-cluster.js';
import { run } from './support/cli-runs.js';
import { sized, smoke } from './support/smoke.js';
import { percentile } from './support/timing.js';

const cliPath = fileURLToPath(new URL('../bin/shiplog.js', import.meta.url));

/**
 * `alive` bounds the shiplog processes running at once on this one machine: each is ~55 MB, so 500 would take
 * 28 GB of a machine of 24 shared. A real fleet has a machine a runner; here at most 150 run at once (~8 GB), still
 * half again as many as the server takes connections, and the rest queue for a turn as CI jobs queue for runners.
 * Runners start spread over `startWindowMs`, as a release's jobs fan out.
 */
const shape = sized(
  { runners: 500, cycles: 2, commandSeconds: 5, startWindowMs: 5_000, alive: 150 },
  { runners: 5, cycles: 1, commandSeconds: 0.2, startWindowMs: 200, alive: 5 },
);
const server = { maxConnections: 100 };
/** A smoke run's PgBouncer sits in front of a server others' tests share: a few server connections only. */
const bouncer = sized({ poolSize: 20, maxClients: 1_000, maxServerConnections: 20 }, { poolSize: 2, maxClients: 20, maxServerConnections: 4 });

interface RouteResult {
  route: string;
  cycles: number;
  /** CLI runs that did not exit 0, by exit code (or signal). */
  errorsByCode: Map<string, number>;
  /** The first few distinct error lines, for whoever reads a failed run. */
  errorSamples: Set<string>;
  cycleMs: number[];
  peakRssMiB: number;
  peakBackends: number;
  seconds: number;
  load: [number, number];
}

/** Hands out `limit` turns at once, first come first served. */
function turns(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let free = limit;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
}

function withDatabase(url: string, name: string): string {
  const named = new URL(url);
  named.pathname = `/${name}`;
  return named.toString();
}

/** The peak number of backends serving `database` while the route runs, sampled every 100 ms on one connection of its own. */
async function watchBackends(adminUrl: string, database: string): Promise<() => Promise<number>> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let peak = 0;
  let watching = true;
  const sampling = (async () => {
    while (watching) {
      const { rows } = await admin.query<{ count: string }>(`select count(*) from pg_stat_activity where datname = $1`, [database]);
      peak = Math.max(peak, Number(rows[0]!.count));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    watching = false;
    await sampling;
    await admin.end();
    return peak;
  };
}

async function runRoute(route: string, db: string, adminUrl: string): Promise<RouteResult> {
  const setup = await run([cliPath, '--db', db, 'deploy', '--app', 'setup', '--env', 'prod', '--', 'true']);
  if (setup.code !== 0) throw new Error(`${route}: the first deploy (which creates the schema) exited ${setup.code}: ${setup.stderr}`);
  const result: RouteResult = { route, cycles: 0, errorsByCode: new Map(), errorSamples: new Set(), cycleMs: [], peakRssMiB: 0, peakBackends: 0, seconds: 0, load: [loadavg()[0]!, 0] };
  const turn = turns(shape.alive);
  // A run's time starts with its turn: the wait for one is this machine's limit, not a runner's.
  const cli = async (args: string[]) => {
    let started = 0;
    const finished = await turn(() => {
      started = performance.now();
      return run([cliPath, '--db', db, ...args]);
    });
    result.peakRssMiB = Math.max(result.peakRssMiB, finished.peakRssMiB ?? 0);
    if (finished.code !== 0) {
      const code = String(finished.code ?? 'signal');
      result.errorsByCode.set(code, (result.errorsByCode.get(code) ?? 0) + 1);
      if (result.errorSamples.size < 5) result.errorSamples.add(`${args[0]} exit ${code}: ${finished.stderr.split('\n').at(-1)}`);
    }
    return { ...finished, ms: performance.now() - started };
  };
  const runner = async (index: number) => {
    await new Promise((resolve) => setTimeout(resolve, (index * shape.startWindowMs) / shape.runners));
    for (let cycle = 1; cycle <= shape.cycles; cycle += 1) {
      const deployed = await cli(['deploy', '--key', `runner-${index}-${cycle}`, '--app', `app-${index}`, '--env', 'prod', '--version', `1.0.${cycle}`, '--', 'sleep', String(shape.commandSeconds)]);
      const key = /dep_\w+/.exec(deployed.stdout)?.[0];
      if (deployed.code !== 0 || key === undefined) continue;
      const finished = await cli(['finish', key, '--status', 'success']);
      if (finished.code !== 0) continue;
      result.cycles += 1;
      result.cycleMs.push(deployed.ms + finished.ms);
    }
  };
  const stopWatching = await watchBackends(adminUrl, new URL(db).pathname.slice(1));
  const started = performance.now();
  await Promise.all(Array.from({ length: shape.runners }, (_, index) => runner(index + 1)));
  result.seconds = (performance.now() - started) / 1000;
  result.peakBackends = await stopWatching();
  result.load[1] = loadavg()[0]!;
  return result;
}

function report(result: RouteResult): void {
  const errors = [...result.errorsByCode].map(([code, count]) => `exit ${code}: ${count}`).join(', ') || 'none';
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `${result.route.padEnd(9)} ${result.cycles}/${shape.runners * shape.cycles} cycles in ${result.seconds.toFixed(0)} s; errors by exit code: ${errors}; ` +
      `cycle p50 ${seconds(percentile(result.cycleMs, 0.5))}, p99 ${seconds(percentile(result.cycleMs, 0.99))} (of which ${shape.commandSeconds} s the command); ` +
      `peak ${result.peakBackends} server backends; peak RSS of a shiplog process ${result.peakRssMiB.toFixed(0)} MiB; load average ${result.load[0].toFixed(1)} → ${result.load[1].toFixed(1)}`,
  );
  for (const sample of result.errorSamples) console.log(`          ${sample}`);
}

/** The server of the run: a cluster of the bench's own, or in smoke mode the one SHIPLOG_BENCH_PG_URL names. */
async function benchServer(): Promise<{ url: string; stop: () => Promise<void> } | { skipped: string }> {
  if (smoke) {
    const url = process.env.SHIPLOG_BENCH_PG_URL;
    return url ? { url, stop: async () => undefined } : { skipped: 'a smoke run uses only SHIPLOG_BENCH_PG_URL, which is not set' };
  }
  if (!canStartPostgresCluster()) return { skipped: "no PostgreSQL binaries to start a server of the bench's own (see test/support/postgres-cluster.ts)" };
  const cluster: PostgresCluster = await startPostgresCluster([], server.maxConnections);
  return { url: cluster.url, stop: async () => cluster.stop() };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

async function main(): Promise<number> {
  console.log(
    `${shape.runners} runners × ${shape.cycles} cycles (deploy --key -- sleep ${shape.commandSeconds}, then finish), starting over ${shape.startWindowMs / 1000} s, at most ${shape.alive} shiplog processes at once; ` +
      `${smoke ? 'the server SHIPLOG_BENCH_PG_URL names' : `a server of max_connections = ${server.maxConnections}`}; PgBouncer transaction pooling, pool of ${bouncer.poolSize}`,
  );
  const serverRun = await benchServer();
  if ('skipped' in serverRun) {
    console.log(`skipped: ${serverRun.skipped}`);
    return smoke ? 0 : 1;
  }
  const names = { direct: `shiplog_runners_direct_${process.pid}`, pgbouncer: `shiplog_runners_pgbouncer_${process.pid}` };
  let pgbouncer: PgBouncer | undefined;
  try {
    await createDatabase(serverRun.url, names.direct);
    await createDatabase(serverRun.url, names.pgbouncer);
    const results = [await runRoute('direct', withDatabase(serverRun.url, names.direct), serverRun.url)];
    pgbouncer = await startPgBouncer(serverRun.url, bouncer).catch((error: Error) => {
      console.log(`PgBouncer skipped: ${error.message}`);
      return undefined;
    });
    if (pgbouncer) results.push(await runRoute('pgbouncer', withDatabase(pgbouncer.url, names.pgbouncer), serverRun.url));
    results.forEach(report);
    const settled = results.every((result) => result.cycles === shape.runners * shape.cycles);
    if (smoke) {
      console.log(settled ? 'smoke run: every cycle settled, no goal checked' : 'smoke run: a cycle failed (above)');
      return settled ? 0 : 1;
    }
    const missed = results.filter((result) => result.errorsByCode.size > 0).map((result) => result.route);
    if (!pgbouncer) missed.push('pgbouncer (not run)');
    console.log(missed.length === 0 ? 'goal met: 0 errors directly and through PgBouncer' : `goal missed: errors on ${missed.join(', ')}`);
    return missed.length === 0 ? 0 : 1;
  } finally {
    pgbouncer?.stop();
    await dropDatabase(serverRun.url, names.direct).catch(() => undefined);
    await dropDatabase(serverRun.url, names.pgbouncer).catch(() => undefined);
    await serverRun.stop();
  }
}

process.exitCode = await main();
