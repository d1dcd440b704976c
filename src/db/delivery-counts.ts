import { sql } from 'kysely';
import { groupsOf, inSpan, mondayOf, wholeSpan, type Grouping, type SpanFilter } from './span-filter.js';
import type { Queryable } from './store.js';

/** How a span's deployments ended, counted in the database. A change is a deployment that is not a rollback. */
export interface DeliveryCounts {
  total: number;
  success: number;
  failed: number;
  cancelled: number;
  rollbacks: number;
  successfulChanges: number;
  failedChanges: number;
  /** Changes that succeeded and were later rolled back. */
  rolledBackChanges: number;
}

/**
 * The counts of each group (see Grouping) that has deployments, by group. Counted by day and summed into weeks and
 * the span here: cutting the day out of the stored time is a fraction of the cost of working out its week in SQL,
 * for each of a million records.
 */
export async function deliveryCounts(q: Queryable, filter: SpanFilter, grouping: Grouping): Promise<Map<string, DeliveryCounts>> {
  const { rows } = await sql<Record<keyof DeliveryCounts | 'bucket', string | number>>`
    select ${grouping === 'span' ? sql.lit(wholeSpan) : sql`substr(created_at, 1, 10)`} as bucket,
      count(*) as total,
      sum(case when status = 'success' then 1 else 0 end) as success,
      sum(case when status = 'failed' then 1 else 0 end) as failed,
      sum(case when status = 'cancelled' then 1 else 0 end) as cancelled,
      sum(is_rollback) as rollbacks,
      sum(case when is_rollback = 0 and status = 'success' then 1 else 0 end) as "successfulChanges",
      sum(case when is_rollback = 0 and status = 'failed' then 1 else 0 end) as "failedChanges",
      sum(case when is_rollback = 0 and status = 'success' and rolled_back_by is not null then 1 else 0 end) as "rolledBackChanges"
    from deployments
    where ${inSpan(filter)}
    group by 1`.execute(q);
  const groups = new Map<string, DeliveryCounts>();
  for (const row of rows) {
    const day = String(row.bucket);
    for (const bucket of groupsOf(grouping === 'span' ? day : mondayOf(day), grouping)) {
      const counts = groups.get(bucket) ?? { ...noCounts };
      for (const name of countNames) counts[name] += Number(row[name]);
      groups.set(bucket, counts);
    }
  }
  return groups;
}

const noCounts: DeliveryCounts = { total: 0, success: 0, failed: 0, cancelled: 0, rollbacks: 0, successfulChanges: 0, failedChanges: 0, rolledBackChanges: 0 };
const countNames = Object.keys(noCounts) as (keyof DeliveryCounts)[];
