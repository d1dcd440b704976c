import { afterEach, beforeEach, expect, it } from 'vitest';
import { insertDeployment } from '../src/db/deployments.js';
import { migrations } from '../src/db/migrations.js';
import { openStore } from '../src/db/open-store.js';
import type { Store } from '../src/db/store.js';
import { applyTransition } from '../src/db/transition.js';
import { recordDeployment } from '../src/deploy/record.js';
import { newDeploymentKey } from '../src/deployment/ids.js';
import { EnvironmentError } from '../src/errors.js';
import { LeaseLost, Tracker } from '../src/tracking/tracker.js';
import { execSql, snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const row = (app: string, env: string, status: 'pending' | 'running' | 'success', idempotencyKey: string | null = null) => ({
  key: newDeploymentKey(),
  app,
  env,
  version: '1.0.0',
  commit_sha: null,
  repo: null,
  image: null,
  provider: 'manual' as const,
  target: null,
  status,
  is_rollback: 0,
  rollback_of: null,
  rolled_back_by: null,
  operator: 'test',
  message: null,
  ci_run_url: null,
  idempotency_key: idempotencyKey,
  created_at: new Date().toISOString(),
  started_at: null,
  completed_at: null,
  error: null,
  lease_owner: null,
  heartbeat_at: null,
});

describeEachStore('the store on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  let closed = false;
  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await openStore(test.spec);
    closed = false;
  });
  afterEach(async () => {
    if (!closed) await store.close();
    await test.cleanup();
  });

  it('opening it again applies no migration twice', async () => {
    await store.close();
    store = await openStore(test.spec);
    const applied = await store.read((tx) => tx.selectFrom('shiplog_migrations').select('name').execute());
    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
  });

  it('the database itself refuses a second active deployment of one app and environment', async () => {
    await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'running')));
    await expect(store.write((tx) => insertDeployment(tx, row('web', 'prod', 'pending')))).rejects.toSatisfy((e) => store.dialect.isUniqueViolation(e));
    await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'success')));
    await store.write((tx) => insertDeployment(tx, row('web', 'staging', 'running')));
  });

  it('the database itself refuses a reused idempotency key', async () => {
    await store.write((tx) => insertDeployment(tx, row('web', 'a', 'success', 'k1')));
    await expect(store.write((tx) => insertDeployment(tx, row('api', 'b', 'success', 'k1')))).rejects.toSatisfy((e) => store.dialect.isUniqueViolation(e));
  });

  it('a transition applies only from the status it was read in, with one event', async () => {
    const [id] = await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'running')));
    expect(await store.write((tx) => applyTransition(tx, { id, from: 'running', to: 'success', source: 'cli' }))).toBe(true);
    expect(await store.write((tx) => applyTransition(tx, { id, from: 'running', to: 'failed', source: 'watch' }))).toBe(false);
    const after = await snapshot(test);
    expect(after.deployments[0]).toMatchObject({ status: 'success' });
    expect(after.events).toHaveLength(1);
  });

  it('a read sees one moment: a change committed between its statements is not in the second', async () => {
    const [id] = await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'running')));
    const other = await openStore(test.spec);
    try {
      const seen = await store.read(async (tx) => {
        const record = await tx.selectFrom('deployments').select('status').where('id', '=', id).executeTakeFirstOrThrow();
        // Another process finishes the deployment while this read (show's record, then its events) is between statements.
        expect(await other.write((other) => applyTransition(other, { id, from: 'running', to: 'success', source: 'cli' }))).toBe(true);
        const events = await tx.selectFrom('deployment_events').select('to_status').where('deployment_id', '=', id).execute();
        return { status: record.status, events: events.map((event) => event.to_status) };
      });
      expect(seen).toEqual({ status: 'running', events: [] });
      expect(await store.read((tx) => tx.selectFrom('deployment_events').select('to_status').where('deployment_id', '=', id).execute())).toEqual([{ to_status: 'success' }]);
    } finally {
      await other.close();
    }
  });

  it('a final status never changes, even asked with the right from-status', async () => {
    const [id] = await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'success')));
    await expect(store.write((tx) => applyTransition(tx, { id, from: 'success', to: 'failed', source: 'cli' }))).rejects.toThrow(/illegal transition/);
  });

  it('a store written by a newer shiplog is refused with exit 5 and left untouched', async () => {
    await store.write((tx) => insertDeployment(tx, row('web', 'prod', 'success')));
    await store.close();
    await execSql(test, `insert into shiplog_migrations (name, applied_at) values ('999_from_the_future', '2030-01-01T00:00:00.000Z')`);
    const before = await snapshot(test);
    const opening = openStore(test.spec);
    await expect(opening).rejects.toBeInstanceOf(EnvironmentError);
    await expect(opening).rejects.toThrow(/newer shiplog/);
    expect(await snapshot(test)).toEqual(before);
    closed = true;
  });

  it('a successful rollback marks the deployment it replaced', async () => {
    const bad = await recordDeployment(store, { app: 'web', env: 'prod', version: '2.0.0', provider: 'manual', status: 'running', source: 'cli' });
    await store.write((tx) => applyTransition(tx, { id: bad.ref[0], from: 'running', to: 'success', source: 'cli' }));
    const rollback = await recordDeployment(store, { app: 'web', env: 'prod', version: '1.0.0', provider: 'manual', status: 'running', source: 'cli', isRollback: true, rollbackOf: bad.ref[0] });
    await store.write((tx) => applyTransition(tx, { id: rollback.ref[0], from: 'running', to: 'success', source: 'cli' }));
    const rows = (await snapshot(test)).deployments;
    expect(rows.find((r) => r.id === bad.ref[0])).toMatchObject({ rolled_back_by: rollback.ref[0] });
  });

  it('a lease held by a live follower is not taken by a second one', async () => {
    const recorded = await recordDeployment(store, { app: 'web', env: 'prod', provider: 'http', status: 'running', source: 'cli' });
    const first = new Tracker(store, 'poll');
    const second = new Tracker(store, 'poll');
    expect(await first.follow([recorded.ref])).toHaveLength(1);
    expect(await second.follow([recorded.ref])).toHaveLength(0);
    await first.release();
    expect(await second.follow([recorded.ref])).toHaveLength(1);
    await second.release();
  });

  it('a lease whose heartbeat expired is taken over', async () => {
    const recorded = await recordDeployment(store, { app: 'web', env: 'prod', provider: 'http', status: 'running', source: 'cli' });
    const gone = new Tracker(store, 'poll');
    await gone.follow([recorded.ref]);
    gone.forget(recorded.ref[0]);
    await execSql(test, `update deployments set heartbeat_at = '2000-01-01T00:00:00.000Z' where id = ?`, [recorded.ref[0]]);
    const next = new Tracker(store, 'poll');
    expect(await next.follow([recorded.ref])).toHaveLength(1);
    await next.release();
  });

  it('one claim takes what no live follower holds: a free record, a lapsed lease, its own; not a live lease, nor a settled record', async () => {
    const record = async (app: string) => (await recordDeployment(store, { app, env: 'prod', provider: 'http', status: 'running', source: 'cli' })).ref;
    const [free, lapsed, heldElsewhere, settled] = [await record('free'), await record('lapsed'), await record('held'), await record('settled')];
    const other = new Tracker(store, 'poll');
    await other.follow([lapsed, heldElsewhere]);
    other.forget(lapsed[0]);
    await execSql(test, `update deployments set heartbeat_at = '2000-01-01T00:00:00.000Z' where id = ?`, [lapsed[0]]);
    await store.write((tx) => applyTransition(tx, { id: settled[0], from: 'running', to: 'success', source: 'cli' }));
    const tracker = new Tracker(store, 'poll');
    await tracker.follow([free]);

    const claimed = await tracker.follow([settled, heldElsewhere, lapsed, free]);
    expect(claimed.map((d) => d.app)).toEqual(['lapsed']);
    expect(tracker.all().map((d) => d.app).sort()).toEqual(['free', 'lapsed']);
    const leases = new Map((await snapshot(test)).deployments.map((d) => [d.app, d.lease_owner]));
    expect(Object.fromEntries(leases)).toEqual({ free: tracker.owner, lapsed: tracker.owner, held: other.owner, settled: null });
    await tracker.release();
    await other.release();
  });

  it('two trackers claiming the same 300 records at once, in opposite orders, split them: each record is followed by one, and neither fails', async () => {
    const refs = [];
    for (let n = 0; n < 300; n += 1) refs.push((await recordDeployment(store, { app: `app-${n}`, env: 'prod', provider: 'http', status: 'running', source: 'cli' })).ref);
    const a = new Tracker(store, 'poll');
    const b = new Tracker(store, 'poll');
    const [byA, byB] = await Promise.all([a.follow(refs), b.follow([...refs].reverse())]);
    expect([...byA, ...byB].map((d) => d.id).sort((x, y) => x - y)).toEqual(refs.map(([id]) => id));
    const owners = (await snapshot(test)).deployments.map((d) => d.lease_owner);
    expect(owners.filter((owner) => owner === a.owner)).toHaveLength(byA.length);
    expect(owners.filter((owner) => owner === b.owner)).toHaveLength(byB.length);
    await a.release();
    await b.release();
  });

  it('two trackers settling the same deployment apply the change once: the one whose lease the other took changes nothing', async () => {
    const recorded = await recordDeployment(store, { app: 'web', env: 'prod', provider: 'http', status: 'running', source: 'cli' });
    const a = new Tracker(store, 'poll');
    await a.follow([recorded.ref]);
    // b read the deployment in the same status, as a follower that lost its lease would have.
    await execSql(test, `update deployments set heartbeat_at = '2000-01-01T00:00:00.000Z' where id = ?`, [recorded.ref[0]]);
    const b = new Tracker(store, 'poll');
    await b.follow([recorded.ref]);
    const [lost, held] = await Promise.allSettled([a.settle(recorded.ref[0], { to: 'success' }), b.settle(recorded.ref[0], { to: 'failed' })]);
    expect(lost).toMatchObject({ status: 'rejected', reason: expect.any(LeaseLost) });
    expect(held).toEqual({ status: 'fulfilled', value: 'failed' });
    const events = (await snapshot(test)).events.filter((e) => e.from_status === 'running');
    expect(events).toMatchObject([{ to_status: 'failed' }]);
  });
});
