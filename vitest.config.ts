import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The store and CLI files that between them run every command on a PostgreSQL store, run once more through
 * PgBouncer in transaction pooling mode (project pgbouncer): their PostgreSQL variants only. Together they take
 * every statement shiplog sends a store: migrations and their advisory locks, the early connection, reads and
 * writes of every command, the triggers' locks under concurrency.
 */
const throughPgBouncer = [
  'test/store.test.ts',
  'test/cli-commands.test.ts',
  'test/cli-deploy.test.ts',
  'test/concurrency.test.ts',
  'test/success-triggers-concurrency.test.ts',
  'test/environment-states.test.ts',
  'test/rollback.test.ts',
  'test/cleanup.test.ts',
  'test/import.test.ts',
  'test/diff.test.ts',
  'test/stats.test.ts',
  'test/report-html.test.ts',
  'test/poll-shared-store.test.ts',
  'test/track-shared-store.test.ts',
  'test/frozen-in-transaction.test.ts',
  'test/completion.test.ts',
];

const define = { SHIPLOG_VERSION: JSON.stringify(version) };
const testSettings = { pool: 'forks', testTimeout: 60_000, hookTimeout: 60_000 } as const;

export default defineConfig({
  test: {
    // The root's alone, so the run starts one PostgreSQL server (and one PgBouncer) that both projects share.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/skipped-reporter.ts'],
    // End-to-end tests spawn many CLI processes; two cores are busy enough with two files at a time.
    maxWorkers: 2,
    projects: [
      { define, test: { ...testSettings, name: 'shiplog', include: ['test/**/*.test.ts'], provide: { postgresRoute: 'direct' } } },
      { define, test: { ...testSettings, name: 'pgbouncer', include: throughPgBouncer, provide: { postgresRoute: 'pgbouncer' } } },
    ],
  },
});
