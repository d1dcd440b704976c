import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

/**
 * A heartbeat that cannot finish (a PostgreSQL row lock, a server restart being ridden out) must not be joined by
 * another every interval: each would hold a connection of the pool until the one the outcome needs is gone.
 * PostgreSQL only: a SQLite write blocks the whole process, so its beats cannot overlap.
 */
describe.skipIf(!storeKinds().includes('postgres'))('a heartbeat held up on postgres', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore('postgres');
  });
  afterAll(async () => store.cleanup());

  it('waits alone for the lock: no second beat starts while one is in flight, and the outcome still lands', async () => {
    // The deploy command runs until the test lets it end, so the record stays followed while the lock is held.
    const done = join(store.dir, 'done');
    const waitForDone = `setInterval(() => require('fs').existsSync(${JSON.stringify(done)}) && process.exit(0), 50)`;
    const cli = startCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--', process.execPath, '-e', waitForDone], {
      env: { SHIPLOG_HEARTBEAT_MS: '100' },
    });
    const locker = new pg.Client({ connectionString: store.spec });
    // pg_stat_activity is read once per transaction: the locker's open transaction would see it frozen.
    const observer = new pg.Client({ connectionString: store.spec });
    await locker.connect();
    await observer.connect();
    try {
      const id = await until(async () => (await locker.query<{ id: number }>("select id from deployments where status = 'running'")).rows[0]?.id);
      await locker.query('begin');
      await locker.query('select id from deployments where id = $1 for update', [id]);
      await until(async () => ((await waitingHeartbeats(observer)) > 0 ? true : undefined));
      // Twenty intervals: without the guard, a beat more would queue behind the lock at each.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await waitingHeartbeats(observer)).toBe(1);
      await locker.query('rollback');
    } finally {
      await locker.end();
      await observer.end();
      writeFileSync(done, '');
    }
    const result = await cli.result;
    expect(result.code, result.stderr).toBe(0);
  });
});

/** Heartbeat updates of other sessions waiting for a lock. */
async function waitingHeartbeats(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "select count(*) as n from pg_stat_activity where pid <> pg_backend_pid() and wait_event_type = 'Lock' and query like '%heartbeat_at%'",
  );
  return Number(rows[0]!.n);
}

/** Asks until the answer is there; a store not yet migrated by the CLI counts as no answer. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('gave up waiting');
}
