import { sql, type RawBuilder } from 'kysely';
import type { Queryable } from './store.js';

/**
 * How many values of `values` (a query of a `value` column, no nulls) fall in each range: below its bound and at or
 * above the one before; the last bound may be Infinity. Counted in the database, so only the counts leave it.
 */
export async function countInRanges(q: Queryable, values: RawBuilder<unknown>, belowMs: readonly number[]): Promise<number[]> {
  const finite = belowMs.filter((bound) => Number.isFinite(bound));
  const slot = sql`case ${sql.join(finite.map((bound, index) => sql`when value < ${sql.lit(bound)} then ${sql.lit(index)}`), sql` `)} else ${sql.lit(finite.length)} end`;
  const { rows } = await sql<{ slot: number | string; count: number | string }>`select ${slot} as slot, count(*) as count from (${values}) as v group by 1`.execute(q);
  const counts = belowMs.map(() => 0);
  for (const row of rows) {
    const index = Math.min(Number(row.slot), counts.length - 1);
    counts[index] = counts[index]! + Number(row.count);
  }
  return counts;
}
