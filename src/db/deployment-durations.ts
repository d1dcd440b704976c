import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { countInRanges } from './range-counts.js';
import { inSpan, type SpanFilter } from './span-filter.js';
import { msBetween } from './sql-time.js';
import type { Queryable } from './store.js';

/** How many of the span's deployments that ended success or failed ran for how long (start, or creation, to end), by range (see countInRanges). */
export async function countDurations(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, belowMs: readonly number[]): Promise<number[]> {
  const durations = sql`
    select ${msBetween(kind, sql`coalesce(started_at, created_at)`, sql.ref('completed_at'))} as value
    from deployments
    where ${inSpan(filter)} and status in ('success', 'failed') and completed_at is not null`;
  return countInRanges(q, durations, belowMs);
}
