import { sql, type RawBuilder } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { weekOf } from './sql-time.js';

/** The deployments a figure is taken over: those created since `since` (ISO-8601 UTC), of one app and environment if given. */
export interface SpanFilter {
  app?: string;
  env?: string;
  since: string;
}

/**
 * How figures are grouped: the whole span as one (`stats`), or each calendar week of it by creation time and the
 * whole span as well (the report's trend and its totals, taken from the same reads of the history).
 */
export type Grouping = 'span' | 'week';

/** The group of the whole span. */
export const wholeSpan = 'span';

/** The groups a row of group `bucket` counts in. */
export function groupsOf(bucket: string, grouping: Grouping): string[] {
  return grouping === 'week' ? [bucket, wholeSpan] : [bucket];
}

/**
 * `rows` (a query of `bucket`, `value` and `flag` columns, grouped by `grouping`) with each row once more in the
 * whole span's group when grouping by week: read once (materialized, which SQLite would otherwise not do for a
 * query read twice in one union), counted twice.
 */
export function withWholeSpan(rows: RawBuilder<unknown>, grouping: Grouping): RawBuilder<unknown> {
  if (grouping === 'span') return rows;
  return sql`with grouped as materialized (${rows}) select bucket, value, flag from grouped union all select ${sql.lit(wholeSpan)}, value, flag from grouped`;
}

/** The condition on `deployments` (or an alias of it) that keeps the span's deployments. */
export function inSpan(filter: SpanFilter, table = 'deployments'): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(`${table}.created_at`)} >= ${filter.since} ${pairTerms(filter, table)}`;
}

/**
 * The terms, each led by `and`, that keep the rows of `table` (or an alias) of the one app and the one environment
 * `filter` names; none for what it does not name.
 */
export function pairTerms(filter: { app?: string; env?: string }, table: string): RawBuilder<unknown> {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql`${filter.app === undefined ? sql`` : sql`and ${column('app')} = ${filter.app}`} ${filter.env === undefined ? sql`` : sql`and ${column('env')} = ${filter.env}`}`;
}

/** The group of a row whose week (its Monday) is in its `week` column: the whole span, or that week. */
export function groupOfWeek(grouping: Grouping): RawBuilder<string> {
  return grouping === 'span' ? sql<string>`${sql.lit(wholeSpan)}` : sql<string>`week`;
}

/** The Monday of the week of `day` (`YYYY-MM-DD`, UTC), as weekOf finds it in SQL. */
export function mondayOf(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

/** The group a time falls in: the whole span, or its week's Monday. */
export function groupOf(kind: StoreDialect['kind'], grouping: Grouping, time: RawBuilder<unknown>): RawBuilder<string> {
  return grouping === 'span' ? sql<string>`${sql.lit(wholeSpan)}` : weekOf(kind, time);
}
