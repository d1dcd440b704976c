import type { Insertable, Transaction } from 'kysely';
import { afterEach, beforeEach } from 'vitest';
import { openStore } from '../../src/db/open-store.js';
import type { Database, DeploymentsTable } from '../../src/db/schema.js';
import type { Store } from '../../src/db/store.js';
import type { Status } from '../../src/deployment/lifecycle.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';

/*
 * What the tests that hold a table kept by triggers to an oracle share: a fresh store for each test, random writes
 * that can be replayed from a seed, and the week a time falls in worked out apart from the code under test.
 */

/** A small deterministic generator, so a failing sequence can be replayed from its seed: `pick(n)` is in [0, n). */
export function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state % n;
  };
}

/** The Monday (UTC) of the week a time falls in, `YYYY-MM-DD`. */
export function mondayOfTime(time: string): string {
  const day = new Date(time);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - sinceMonday)).toISOString().slice(0, 10);
}

/** Registers the hooks that give each test of the describe block an empty store of `kind`, open, and close it after. */
export function storePerTest(kind: StoreKind): { readonly test: TestStore; readonly store: Store; reopen(): Promise<void> } {
  let test: TestStore | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    test = await createTestStore(kind);
    store = await openStore(test.spec);
  });
  afterEach(async () => {
    await store?.close();
    await test?.cleanup();
  });
  return {
    get test() {
      return test!;
    },
    get store() {
      return store!;
    },
    /** Closes the store and opens it again, as the next command would: it migrates what is missing. */
    async reopen() {
      await store!.close();
      store = await openStore(test!.spec);
    },
  };
}

/** One write a random change may make, given a pick among the records there are. */
export type RandomWrite = (some: () => number) => Promise<unknown>;

/**
 * The writes of records every oracle test makes, `newRow(n)` giving the n-th row of a statement: one inserted, three
 * in one statement, a status changed, one deleted, and three in one statement.
 */
export function recordWrites(tx: Transaction<Database>, newRow: (n: number) => Insertable<DeploymentsTable>, status: () => Status): RandomWrite[] {
  return [
    () => tx.insertInto('deployments').values(newRow(0)).execute(),
    () => tx.insertInto('deployments').values([newRow(0), newRow(1), newRow(2)]).execute(),
    (some) => tx.updateTable('deployments').set({ status: status() }).where('id', '=', some()).execute(),
    (some) => tx.deleteFrom('deployments').where('id', '=', some()).execute(),
    (some) => tx.deleteFrom('deployments').where('id', 'in', [some(), some(), some()]).execute(),
  ];
}

/**
 * Makes one of `writes` (the first an insert): only it while the history has fewer than four records, and else it
 * three times as often as each other, so the history grows as it changes.
 */
export async function oneOf(tx: Transaction<Database>, pick: (n: number) => number, writes: readonly RandomWrite[]): Promise<void> {
  const ids = (await tx.selectFrom('deployments').select('id').orderBy('id').execute()).map((row) => Number(row.id));
  const chosen = ids.length < 4 ? 0 : pick(writes.length + 2);
  await writes[chosen >= writes.length ? 0 : chosen]!(() => ids[pick(ids.length)]!);
}
