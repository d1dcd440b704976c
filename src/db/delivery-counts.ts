import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { groupOf, inSpan, type Grouping, type SpanFilter } from './span-filter.js';
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

/** The counts of each group (see Grouping) that has deployments, by group. */
export async function deliveryCounts(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): Promise<Map<string, DeliveryCounts>> {
  const { rows } = await sql<Record<keyof DeliveryCounts | 'bucket', string | number>>`
    select ${groupOf(kind, grouping, sql.ref('created_at'))} as bucket,
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
  return new Map(
    rows.map((row) => [
      String(row.bucket),
      {
        total: Number(row.total),
        success: Number(row.success),
        failed: Number(row.failed),
        cancelled: Number(row.cancelled),
        rollbacks: Number(row.rollbacks),
        successfulChanges: Number(row.successfulChanges),
        failedChanges: Number(row.failedChanges),
        rolledBackChanges: Number(row.rolledBackChanges),
      },
    ]),
  );
}
