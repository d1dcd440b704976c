import pg from 'pg';
import { maskUrl } from '../../src/secrets/masked-url.js';
import { deploymentColumns, eventColumns, rollbackMarks, type BenchStore, type EnvironmentCounts } from './bench-store.js';
import { smoke } from './smoke.js';
import type { SyntheticHistory } from './synthetic-history.js';

/** The server this machine and CI machines run (trust auth). */
const localServerUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Rows a seeding statement carries: each column travels as one array parameter, so this bounds their size. */
const rowsPerStatement = 20_000;

const integerColumns = new Set<string>(['id', 'is_rollback', 'rollback_of', 'deployment_id']);

export type PostgresBenchStore = BenchStore | { skipped: string };

/**
 * A throwaway database (`shiplog_bench_<pid>`) on the first server that answers: `SHIPLOG_BENCH_PG_URL` when set
 * (whoever sets it means that server), else the local one. In smoke mode only `SHIPLOG_BENCH_PG_URL`: the test
 * run sets it to its own server, and a run without one skips PostgreSQL as its tests do. `dispose` drops it.
 * Without a server the PostgreSQL half of the bench is skipped, and says why.
 */
export async function createPostgresBenchStore(): Promise<PostgresBenchStore> {
  const candidates = [process.env.SHIPLOG_BENCH_PG_URL, smoke ? undefined : localServerUrl].filter((url): url is string => url !== undefined && url.length > 0);
  if (candidates.length === 0) return { skipped: 'a smoke run uses only SHIPLOG_BENCH_PG_URL, which is not set' };
  const failures: string[] = [];
  const name = `shiplog_bench_${process.pid}`;
  for (const adminUrl of candidates) {
    try {
      await adminQuery(adminUrl, `create database ${name}`);
    } catch (error) {
      failures.push(`${maskUrl(adminUrl)}: ${(error as Error).message}`);
      continue;
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return postgresBenchStore(url.toString(), () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`));
  }
  return { skipped: `no PostgreSQL server answered (${failures.join('; ')}); set SHIPLOG_BENCH_PG_URL to an admin URL to include it` };
}

function postgresBenchStore(url: string, drop: () => Promise<void>): BenchStore {
  return {
    kind: 'postgres',
    spec: url,
    seed: (history) => withClient(url, (client) => seedPostgres(client, history)),
    countEnvironment: (env) =>
      withClient(url, async (client) => {
        const { rows } = await client.query<Record<keyof EnvironmentCounts, string>>(
          `select
             (select count(*) from deployments where env = $1) as deployments,
             (select count(*) from deployments where env = $1 and status = 'success') as successes,
             (select count(*) from deployment_events where deployment_id in (select id from deployments where env = $1)) as events,
             (select count(*) from deployments) as "allDeployments"`,
          [env],
        );
        const counts = rows[0]!;
        return { deployments: Number(counts.deployments), successes: Number(counts.successes), events: Number(counts.events), allDeployments: Number(counts.allDeployments) };
      }),
    dispose: drop,
  };
}

/**
 * `insert … select from unnest(array, array, …)`: one statement inserts thousands of rows with a column to a
 * parameter. The id sequence is moved past the explicit ids, and VACUUM ANALYZE leaves the planner the
 * statistics autovacuum would have gathered on a store used for a year.
 */
async function seedPostgres(client: pg.Client, history: SyntheticHistory): Promise<void> {
  await client.query('begin');
  await insertByColumns(client, 'deployments', deploymentColumns, history.deployments);
  await insertByColumns(client, 'deployment_events', eventColumns, history.events);
  const marks = rollbackMarks(history);
  await client.query(
    'update deployments d set rolled_back_by = m.by from unnest($1::integer[], $2::integer[]) as m(id, by) where d.id = m.id',
    [marks.map(([id]) => id), marks.map(([, by]) => by)],
  );
  await client.query(`select setval(pg_get_serial_sequence('deployments', 'id'), (select max(id) from deployments))`);
  await client.query('commit');
  await client.query('vacuum analyze deployments');
  await client.query('vacuum analyze deployment_events');
  // The seeding dirtied some hundred megabytes of buffers, which the checkpointer would otherwise write out over the
  // next minutes, while the commands are timed. Only a superuser (or pg_checkpoint) may ask; elsewhere it is skipped.
  await client.query('checkpoint').catch(() => undefined);
}

async function insertByColumns<Row, Column extends keyof Row & string>(client: pg.Client, table: string, columns: readonly Column[], rows: readonly Row[]): Promise<void> {
  const arrays = columns.map((column, index) => `$${index + 1}::${integerColumns.has(column) ? 'integer' : 'text'}[]`);
  const text = `insert into ${table} (${columns.join(', ')}) select * from unnest(${arrays.join(', ')})`;
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const batch = rows.slice(start, start + rowsPerStatement);
    await client.query(text, columns.map((column) => batch.map((row) => row[column])));
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(text);
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
