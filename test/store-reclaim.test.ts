import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson } from './support/cli.js';
import { duplicateHistory } from './support/duplicate-history.js';
import { createSchemaThrough } from './support/older-schema.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

/**
 * After a change to a large part of a PostgreSQL store (cleanup's merge, an upgrade that fills or rewrites tables),
 * shiplog vacuums and analyses its tables at once: the deleted rows would otherwise cost every read that follows
 * until autovacuum came round. A manual VACUUM is what pg_stat_user_tables.last_vacuum records; autovacuum sets
 * last_autovacuum instead. SQLite has nothing to reclaim.
 */
describe.skipIf(!storeKinds().includes('postgres'))('a PostgreSQL store after a large change', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore('postgres');
  });
  afterEach(() => store.cleanup());

  it('is vacuumed by cleanup --apply once it merged duplicates', async () => {
    await runCli(['--db', store.spec, 'history']);
    await withClient(store, async (client) => {
      for (const statement of duplicateHistory('postgres', 300, 40)) await client.query(statement);
      expect(await vacuumed(client, 'deployments', 0)).toBe(false);
    });
    const result = await runCli(['--db', store.spec, 'cleanup', '--duplicates', '--apply']);
    expect(result.code, result.stderr).toBe(0);
    await withClient(store, async (client) => {
      expect(await vacuumed(client, 'deployments')).toBe(true);
      expect(await vacuumed(client, 'deployment_events')).toBe(true);
    });
  });

  it('keeps what cleanup --apply saved when it cannot be vacuumed, and says so', async () => {
    await runCli(['--db', store.spec, 'history']);
    const holder = new pg.Client({ connectionString: store.spec });
    await holder.connect();
    try {
      await withClient(store, async (client) => {
        for (const statement of duplicateHistory('postgres', 300, 40)) await client.query(statement);
        // Writes do not wait for this lock; VACUUM does, and gives up after the lock timeout.
        await client.query(`alter database ${new URL(store.spec).pathname.slice(1)} set lock_timeout = '300ms'`);
      });
      await holder.query('begin');
      await holder.query('lock table deployment_events in share update exclusive mode');
      const { result, json } = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--duplicates', '--apply']);
      expect(result.code, result.stderr).toBe(0);
      expect(json.duplicates!.records).toBeGreaterThan(0);
      expect(json.notes.join('\n')).toMatch(/the changes are saved, but the store could not be vacuumed afterwards \(.*lock timeout.*\)/);
    } finally {
      await holder.end();
    }
    const after = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--duplicates']);
    expect(after.json.duplicates!.records).toBe(0);
  });

  it('is vacuumed once a command upgraded its schema, not when it made a new one', async () => {
    await runCli(['--db', store.spec, 'history']);
    await withClient(store, async (client) => expect(await vacuumed(client, 'deployments', 0)).toBe(false));
    const older = await createTestStore('postgres');
    try {
      await createSchemaThrough(older.spec, '008_deployments_figures');
      const result = await runCli(['--db', older.spec, 'history']);
      expect(result.code, result.stderr).toBe(0);
      await withClient(older, async (client) => expect(await vacuumed(client, 'deployments')).toBe(true));
    } finally {
      await older.cleanup();
    }
  });
});

async function withClient<T>(store: TestStore, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: store.spec });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether `table` was vacuumed by hand. The server publishes a session's statistics when it ends, so a reading can
 * lag the vacuum by a moment: asked again for up to `patienceMs` before it counts as not done.
 */
async function vacuumed(client: pg.Client, table: string, patienceMs = 5_000): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ at: Date | null }>('select last_vacuum as at from pg_stat_user_tables where relname = $1', [table]);
    if (rows[0]?.at) return true;
    if (Date.now() - started >= patienceMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
