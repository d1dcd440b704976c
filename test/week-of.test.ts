import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../src/db/open-store.js';
import { mondayOf } from '../src/db/span-filter.js';
import { weekOf } from '../src/db/sql-time.js';
import type { Store } from '../src/db/store.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('the week of a day on %s', (kind) => {
  let test: TestStore;
  let store: Store;
  beforeAll(async () => {
    test = await createTestStore(kind);
    store = await openStore(test.spec);
  });
  afterAll(async () => {
    await store.close();
    await test.cleanup();
  });

  it('is the same Monday in JavaScript as in SQL, for every day of two years across a leap day', async () => {
    const days = Array.from({ length: 731 }, (_, n) => new Date(Date.UTC(2027, 11, 1) + n * 86_400_000).toISOString().slice(0, 10));
    const inSql = await store.read(async (tx) => {
      const mondays: string[] = [];
      for (const day of days) {
        const { rows } = await sql<{ monday: string }>`select ${weekOf(kind, sql`${`${day}T23:59:59.999Z`}`)} as monday`.execute(tx);
        mondays.push(rows[0]!.monday);
      }
      return mondays;
    });
    expect(days.map(mondayOf)).toEqual(inSql);
    expect(new Set(inSql).size).toBe(105);
  });
});
