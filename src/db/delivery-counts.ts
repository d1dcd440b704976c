import { sql } from 'kysely';
import { weeksInSpan } from './deployment-weeks.js';
import type { StoreDialect } from './dialect.js';
import { groupOfWeek, groupsOf, type Grouping, type SpanFilter } from './span-filter.js';
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
 * The counts of each group (see Grouping) that has deployments, by group: summed from the span's weeks (see
 * db/deployment-weeks.ts) in the database, and into the span as well here when grouping by week.
 */
export async function deliveryCounts(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): Promise<Map<string, DeliveryCounts>> {
  const { rows } = await sql<Record<keyof DeliveryCounts | 'bucket', string | number>>`
    select ${groupOfWeek(grouping)} as bucket,
      sum(total) as total, sum(success) as success, sum(failed) as failed, sum(cancelled) as cancelled, sum(rollbacks) as rollbacks,
      sum(successful_changes) as "successfulChanges", sum(failed_changes) as "failedChanges", sum(rolled_back_changes) as "rolledBackChanges"
    from (${weeksInSpan(kind, filter)}) as weeks
    group by 1
    having sum(total) > 0`.execute(q);
  const groups = new Map<string, DeliveryCounts>();
  for (const row of rows) {
    for (const bucket of groupsOf(String(row.bucket), grouping)) {
      const counts = groups.get(bucket) ?? { ...noCounts };
      for (const name of countNames) counts[name] += Number(row[name]);
      groups.set(bucket, counts);
    }
  }
  return groups;
}

const noCounts: DeliveryCounts = { total: 0, success: 0, failed: 0, cancelled: 0, rollbacks: 0, successfulChanges: 0, failedChanges: 0, rolledBackChanges: 0 };
const countNames = Object.keys(noCounts) as (keyof DeliveryCounts)[];
