import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStore } from '../src/db/open-store.js';
import type { StatusChange } from '../src/db/status-changes.js';
import type { Store } from '../src/db/store.js';
import { applyTransition } from '../src/db/transition.js';
import { recordDeployment } from '../src/deploy/record.js';
import { Tracker } from '../src/tracking/tracker.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('status changes told after commit on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  let heard: StatusChange[][];
  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await openStore(test.spec);
    heard = [];
    store.onStatusChanges((changes) => heard.push([...changes]));
  });
  afterEach(async () => {
    await store.close();
    await test.cleanup();
  });

  const record = () => recordDeployment(store, { app: 'web', env: 'prod', version: '1.0.0', provider: 'manual', status: 'running', source: 'cli' });

  it('a new record and each status change are told once committed, with the record as it then is', async () => {
    const recorded = await record();
    expect(heard).toHaveLength(1);
    expect(heard[0]![0]).toMatchObject({ deployment: { id: recorded.ref[0], status: 'running' }, event: { from: null, to: 'running', source: 'cli' } });
    await store.write(async (tx) => {
      await applyTransition(tx, { id: recorded.ref[0], from: 'running', to: 'success', source: 'cli', detail: 'done' });
      expect(heard, 'told inside the transaction').toHaveLength(1);
    });
    expect(heard).toHaveLength(2);
    expect(heard[1]).toEqual([expect.objectContaining({ deployment: expect.objectContaining({ status: 'success', completedAt: expect.any(String) }), event: expect.objectContaining({ from: 'running', to: 'success', detail: 'done' }) })]);
  });

  it('a change whose transaction rolls back is never told', async () => {
    const recorded = await record();
    heard = [];
    await expect(
      store.write(async (tx) => {
        await applyTransition(tx, { id: recorded.ref[0], from: 'running', to: 'failed', source: 'cli' });
        throw new Error('something after the change failed');
      }),
    ).rejects.toThrow('something after the change failed');
    expect(heard).toEqual([]);
  });

  it('a change that did not apply (the record moved on) is not told', async () => {
    const recorded = await record();
    heard = [];
    const applied = await store.write((tx) => applyTransition(tx, { id: recorded.ref[0], from: 'pending', to: 'running', source: 'cli' }));
    expect(applied).toBe(false);
    expect(heard).toEqual([]);
  });

  it("a follower's target update keeps what another writer added to the target meanwhile", async () => {
    const recorded = await recordDeployment(store, { app: 'web', env: 'prod', provider: 'http', target: { url: 'http://x' }, status: 'pending', source: 'cli' });
    const tracker = new Tracker(store, 'poll');
    await tracker.follow([recorded.ref]);
    await store.write((tx) => tx.updateTable('deployments').set({ target: JSON.stringify({ url: 'http://x', github: { deploymentId: 1, apiUrl: 'http://gh' } }) }).where('id', '=', recorded.ref[0]).execute());
    await tracker.settle(recorded.ref[0], { to: 'running', target: { learned: 42 } });
    const target = await store.read(async (tx) => (await tx.selectFrom('deployments').select('target').where('id', '=', recorded.ref[0]).executeTakeFirstOrThrow()).target);
    expect(JSON.parse(target!)).toEqual({ url: 'http://x', github: { deploymentId: 1, apiUrl: 'http://gh' }, learned: 42 });
    await tracker.release();
  });
});
