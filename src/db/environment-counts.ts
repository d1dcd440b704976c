import { sql } from 'kysely';
import { runTimeRanges, weeksInSpan, type RunTimeColumn } from './deployment-weeks.js';
import type { StoreDialect } from './dialect.js';
import type { SpanFilter } from './span-filter.js';
import type { Queryable } from './store.js';

/** An environment's deployments in a span, and how long those that ended success or failed ran (start, or creation, to end). */
export interface EnvironmentCounts {
  total: number;
  /** By range of runTimeRanges. */
  ran: Record<RunTimeColumn, number>;
}

/** The span's counts of each environment that has deployments in it, summed from its weeks (see db/deployment-weeks.ts). */
export async function countByEnvironment(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter): Promise<Map<string, EnvironmentCounts>> {
  const { rows } = await sql<{ env: string; total: number | string } & Record<RunTimeColumn, number | string>>`
    select env, sum(total) as total, ${sql.join(runTimeRanges.map(({ column }) => sql`sum(${sql.ref(column)}) as ${sql.ref(column)}`))}
    from (${weeksInSpan(kind, filter)}) as weeks
    group by env
    having sum(total) > 0`.execute(q);
  return new Map(
    rows.map((row) => [
      row.env,
      { total: Number(row.total), ran: Object.fromEntries(runTimeRanges.map(({ column }) => [column, Number(row[column])])) as Record<RunTimeColumn, number> },
    ]),
  );
}
