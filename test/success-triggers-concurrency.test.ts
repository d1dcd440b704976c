import pg from 'pg';
import type { Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listEnvironmentStates } from '../src/db/deployments.js';
import { openStore } from '../src/db/open-store.js';
import { deleteDeployments } from '../src/db/prune.js';
import type { Database } from '../src/db/schema.js';
import type { Store } from '../src/db/store.js';
import { applyTransition } from '../src/db/transition.js';
import { EnvironmentError } from '../src/errors.js';
import { insertHistory, minutes, ago } from './support/history-rows.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

/** A write transaction that does its work and then stays open until released, as a slow cleanup or import would. */
function heldOpen(store: Store, work: (tx: Transaction<Database>) => Promise<unknown>) {
  let release!: () => void;
  let worked!: (failure?: unknown) => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const workDone = new Promise<void>((resolve, reject) => (worked = (failure) => (failure === undefined ? resolve() : reject(failure))));
  const committed = store.write(async (tx) => {
    await work(tx).catch((error: unknown) => {
      worked(error);
      throw error;
    });
    worked();
    await released;
  });
  // Awaited later, or not at all when the test has already failed on `workDone`.
  committed.catch(() => undefined);
  return { workDone, release, committed };
}

/** Waits until some session of the store's database waits for a lock another one holds. */
async function waitUntilBlocked(spec: string): Promise<void> {
  const client = new pg.Client({ connectionString: spec });
  await client.connect();
  try {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const { rows } = await client.query(
        `select count(*)::int as waiting from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()`,
      );
      if (rows[0].waiting > 0) return;
    }
    throw new Error('no transaction came to wait on the other');
  } finally {
    await client.end();
  }
}

type Work = (tx: Transaction<Database>) => Promise<unknown>;

/** Runs one transaction's work and holds it open, starts the other's, which must wait for it, then commits them in that order. */
async function overlapping(spec: string, [firstStore, earlier]: [Store, Work], [secondStore, later]: [Store, Work]): Promise<void> {
  const a = heldOpen(firstStore, earlier);
  await a.workDone;
  const b = heldOpen(secondStore, later);
  await waitUntilBlocked(spec);
  a.release();
  await a.committed;
  await b.workDone;
  b.release();
  await b.committed;
}

describe.skipIf(!storeKinds().includes('postgres'))('the last success on postgres, as two transactions change one pair at once', () => {
  let test: TestStore;
  let first: Store;
  let second: Store;
  let successes: number[];
  let running: number;
  beforeEach(async () => {
    test = await createTestStore('postgres');
    const at = ago(minutes(30));
    const ids = await insertHistory(test.spec, [
      { status: 'success', version: '1.0.0', createdAt: at },
      { status: 'success', version: '1.0.1', createdAt: at },
      { status: 'success', version: '1.0.2', createdAt: at },
      { status: 'running', version: '1.0.3', createdAt: at },
    ]);
    successes = ids.slice(0, 3);
    running = ids[3]!;
    [first, second] = [await openStore(test.spec), await openStore(test.spec)];
  });
  afterEach(async () => {
    await first.close();
    await second.close();
    await test.cleanup();
  });

  const markSuccess = (tx: Transaction<Database>) => applyTransition(tx, { id: running, from: 'running', to: 'success', source: 'cli' });
  const deleteLastSuccess = (tx: Transaction<Database>) => deleteDeployments(tx, [successes[2]!]);
  const deleteSuccessBeforeIt = (tx: Transaction<Database>) => deleteDeployments(tx, [successes[1]!]);

  const overlap = (earlier: Work, later: Work) => overlapping(test.spec, [first, earlier], [second, later]);

  async function lastSuccess(): Promise<{ table: number[]; status: number | undefined }> {
    return first.read(async (tx) => ({
      table: (await tx.selectFrom('last_successes').select('deployment_id').execute()).map((row) => Number(row.deployment_id)),
      status: (await listEnvironmentStates(tx, first.dialect.kind, {}))[0]?.current?.id,
    }));
  }

  it('a newer success marked while the last one is being deleted is the last success', async () => {
    await overlap(markSuccess, deleteLastSuccess);
    expect(await lastSuccess()).toEqual({ table: [running], status: running });
  });

  it('the last success deleted while a newer one is being marked leaves the newer one', async () => {
    await overlap(deleteLastSuccess, markSuccess);
    expect(await lastSuccess()).toEqual({ table: [running], status: running });
  });

  it('the last two successes deleted by two transactions at once leave the one before them', async () => {
    await overlap(deleteLastSuccess, deleteSuccessBeforeIt);
    expect(await lastSuccess()).toEqual({ table: [successes[0]], status: successes[0] });
  });

  it('two transactions that each hold one pair and wait for the other: one is rolled back with a line that says to run it again', async () => {
    const at = ago(minutes(20));
    const [web, api] = await insertHistory(test.spec, [
      { app: 'web', status: 'success', createdAt: at },
      { app: 'api', status: 'success', createdAt: at },
    ]);
    let bothHoldOne!: () => void;
    const holding = new Promise<void>((resolve) => (bothHoldOne = resolve));
    let held = 0;
    const hold = async () => {
      held += 1;
      if (held === 2) bothHoldOne();
      await holding;
    };
    const outcomes = await Promise.allSettled([
      first.write(async (tx) => {
        await deleteDeployments(tx, [web!]);
        await hold();
        await deleteDeployments(tx, [api!]);
      }),
      second.write(async (tx) => {
        await deleteDeployments(tx, [api!]);
        await hold();
        await deleteDeployments(tx, [web!]);
      }),
    ]);
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected').map((outcome) => outcome.reason as Error);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(EnvironmentError);
    expect(failures[0]!.message).toMatch(/^the PostgreSQL store postgres:\/\/\S+ rolled this transaction back: it and another command's each waited for what the other held \(deadlock detected\); nothing it wrote was kept, so run the command again$/);
  });
});

describe.skipIf(!storeKinds().includes('postgres'))('the first success of a change on postgres, as two transactions change its successes at once', () => {
  let test: TestStore;
  let first: Store;
  let second: Store;
  let earlier: number;
  let later: number;
  const commit = 'c0ffee01';
  beforeEach(async () => {
    test = await createTestStore('postgres');
    [earlier, later] = await insertHistory(test.spec, [
      { status: 'success', commitSha: commit, createdAt: ago(minutes(30)) },
      { status: 'running', commitSha: commit, createdAt: ago(minutes(20)) },
    ]) as [number, number];
    [first, second] = [await openStore(test.spec), await openStore(test.spec)];
  });
  afterEach(async () => {
    await first.close();
    await second.close();
    await test.cleanup();
  });

  const deliveredBy = () =>
    first.read(async (tx) => (await tx.selectFrom('delivered_changes').select('deployment_id').where('sha', '=', commit).execute()).map((row) => Number(row.deployment_id)));

  const redeploy: Work = (tx) => applyTransition(tx, { id: later, from: 'running', to: 'success', source: 'cli' });
  const deleteFirstSuccess: Work = (tx) => deleteDeployments(tx, [earlier]);

  it('a commit redeployed while its first success is being deleted is delivered by the redeploy', async () => {
    await overlapping(test.spec, [first, redeploy], [second, deleteFirstSuccess]);
    expect(await deliveredBy()).toEqual([later]);
  });

  it('the first success deleted while the commit is redeployed leaves the redeploy as its first success', async () => {
    await overlapping(test.spec, [first, deleteFirstSuccess], [second, redeploy]);
    expect(await deliveredBy()).toEqual([later]);
  });
});
