import { sql } from 'kysely';
import { medianByBucket, type StoreDialect } from './dialect.js';
import { groupOf, inSpan, type Grouping, type SpanFilter } from './span-filter.js';
import { msBetween } from './sql-time.js';
import type { Queryable } from './store.js';

/** A group's outages: how many began in it, how many have ended, and the median length of those. */
export interface OutageLengths {
  outages: number;
  restored: number;
  medianMs: number | null;
}

/**
 * Outages per app and environment, in the order the span's deployments that ended success or failed completed: one
 * begins at the first bad deployment (failed, or later rolled back) and ends at the next good success; bad ones in
 * between belong to it. Found as the turns between bad and good (a window over each pair's deployments), so only
 * the groups' figures leave the database. An outage belongs to the group its first bad deployment completed in.
 */
export async function outageLengths(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): Promise<Map<string, OutageLengths>> {
  const lengths = sql`
    with ended as (
      select app, env, id, completed_at, case when status = 'failed' or rolled_back_by is not null then 1 else 0 end as bad
      from deployments
      where ${inSpan(filter)} and completed_at is not null and status in ('success', 'failed')
    ), turns as (
      select app, env, id, completed_at, bad, lag(bad, 1, 0) over (partition by app, env order by completed_at, id) as before
      from ended
    ), edges as (
      select completed_at, bad, lead(completed_at) over (partition by app, env order by completed_at, id) as next_turn
      from turns
      where bad <> before
    )
    select ${groupOf(kind, grouping, sql.ref('completed_at'))} as bucket, ${msBetween(kind, sql.ref('completed_at'), sql.ref('next_turn'))} as value, 0 as flag
    from edges
    where bad = 1`;
  const { rows } = await medianByBucket(kind, lengths).execute(q);
  return new Map(
    rows.map((row) => [String(row.bucket), { outages: Number(row.total), restored: Number(row.measured), medianMs: row.median === null ? null : Number(row.median) }]),
  );
}
