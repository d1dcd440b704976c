import type { TestProject } from 'vitest/node';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { missingTools, missingToolsNotice } from './tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server for this run, or '' when none could be had. */
    postgresUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

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
}

export function teardown(): void {
  cluster?.stop();
}
