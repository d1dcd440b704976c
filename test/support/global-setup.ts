import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { pgbouncerPath, startPgBouncer, type PgBouncer } from './pgbouncer.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { missingTools, missingToolsNotice } from './tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server for this run, or '' when none could be had. */
    postgresUrl: string;
    /** The same server through a PgBouncer in transaction pooling mode, or '' when none could be had. */
    pgbouncerUrl: string;
    /** How this project's PostgreSQL stores are reached: directly, or through PgBouncer (the pgbouncer project). */
    postgresRoute: 'direct' | 'pgbouncer';
  }
}

let cluster: PostgresCluster | undefined;
let bouncer: PgBouncer | undefined;

/**
 * The tools some tests drive are checked first: a missing one is said loudly, or fails the run in CI
 * (test/support/tools.ts). Every store test runs on SQLite and on PostgreSQL. The server is SHIPLOG_TEST_PG_URL
 * when set, else a throwaway cluster started here. Without one, PostgreSQL tests are skipped loudly, except in
 * CI, where a missing server fails the run.
 */
export async function setup(project: TestProject): Promise<void> {
  process.stderr.write(missingToolsNotice(missingTools(), Boolean(process.env.CI)));
  let url = process.env.SHIPLOG_TEST_PG_URL ?? '';
  if (!url) {
    try {
      cluster = await startPostgresCluster();
      url = cluster.url;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (process.env.CI) throw new Error(`CI needs PostgreSQL for the store tests and none could be started: ${reason}`);
      process.stderr.write(
        `\n${'!'.repeat(78)}\n!! PostgreSQL could not be started (${reason.split('\n')[0]}).\n` +
          `!! EVERY PostgreSQL variant of the store and CLI tests is SKIPPED in this run.\n` +
          `!! Set SHIPLOG_TEST_PG_URL=postgres://user@host:port/db to run them.\n${'!'.repeat(78)}\n\n`,
      );
    }
  }
  project.provide('postgresUrl', url);
  project.provide('pgbouncerUrl', url ? await setupPgBouncer(url) : '');
}

/**
 * The pgbouncer project runs the PostgreSQL variants of its files once more through PgBouncer, in front of the
 * run's server. Without /usr/sbin/pgbouncer they are skipped loudly, except in CI (.ci/run installs it).
 */
async function setupPgBouncer(serverUrl: string): Promise<string> {
  try {
    if (!existsSync(pgbouncerPath)) throw new Error(`no PgBouncer at ${pgbouncerPath}`);
    // A pool of 4 a database, 10 server connections in all: the run's server may be one other people's tests share.
    bouncer = await startPgBouncer(serverUrl, { poolSize: 4, maxClients: 200, maxServerConnections: 10 });
    return bouncer.url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI) throw new Error(`CI runs the PostgreSQL tests through PgBouncer too, and it could not be started: ${reason}`);
    process.stderr.write(
      `\n${'!'.repeat(78)}\n!! PgBouncer could not be started (${reason.split('\n')[0]}).\n` +
        `!! The PostgreSQL tests through PgBouncer (project pgbouncer) are SKIPPED in this run.\n` +
        `!! Install it (apt-get install pgbouncer) or set SHIPLOG_TEST_PGBOUNCER to its path.\n${'!'.repeat(78)}\n\n`,
    );
    return '';
  }
}

export function teardown(): void {
  bouncer?.stop();
  cluster?.stop();
}
