import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/db/open-store.js';
import type { Store } from '../src/db/store.js';
import { lockedTarget } from '../src/db/targets.js';
import { insertHistory } from './support/history-rows.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

// On SQLite a write transaction holds the whole store, so two merges cannot interleave; PostgreSQL's can.
describe.skipIf(!storeKinds().includes('postgres'))('two processes adding details to one target on PostgreSQL', () => {
  let store: TestStore;
  let first: Store;
  let second: Store;
  let id: number;
  beforeAll(async () => {
    store = await createTestStore('postgres');
    [id] = (await insertHistory(store.spec, [{ status: 'running', target: { command: 'helm upgrade' }, createdAt: new Date('2026-12-01T00:00:00Z') }])) as [number];
    first = await openStore(store.spec);
    second = await openStore(store.spec);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await store.cleanup();
  });

  it('keeps both: the second merge waits for the first and reads what it wrote', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstHasRead!: () => void;
    const firstRead = new Promise<void>((resolve) => (firstHasRead = resolve));
    // An integration saving its ids, its transaction held open after it read the target.
    const saving = first.write(async (tx) => {
      const target = { ...(await lockedTarget(tx, id)), github: { deploymentId: 9001 } };
      firstHasRead();
      await held;
      await tx.updateTable('deployments').set({ target: JSON.stringify(target) }).where('id', '=', id).execute();
    });
    await firstRead;
    // The tracker saving what its provider learned, meanwhile.
    const learning = second.write(async (tx) => {
      const target = { ...(await lockedTarget(tx, id)), pid: 4242 };
      await tx.updateTable('deployments').set({ target: JSON.stringify(target) }).where('id', '=', id).execute();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await Promise.all([saving, learning]);

    const stored = await first.read((tx) => tx.selectFrom('deployments').select('target').where('id', '=', id).executeTakeFirstOrThrow());
    expect(JSON.parse(stored.target!)).toEqual({ command: 'helm upgrade', github: { deploymentId: 9001 }, pid: 4242 });
  });
});
