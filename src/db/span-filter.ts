import { sql, type RawBuilder } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { weekOf } from './sql-time.js';

/** The deployments a figure is taken over: those created since `since` (ISO-8601 UTC), of one app and environment if given. */
export interface SpanFilter {
  app?: string;
  env?: string;
  since: string;
}

/** How figures are grouped: the whole span as one (`stats`), or each calendar week of it by creation time (the report's trend). */
export type Grouping = 'span' | 'week';

/** The condition on `deployments` (or an alias of it) that keeps the span's deployments. */
export function inSpan(filter: SpanFilter, table = 'deployments'): RawBuilder<boolean> {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql<boolean>`${column('created_at')} >= ${filter.since}
    ${filter.app === undefined ? sql`` : sql`and ${column('app')} = ${filter.app}`}
    ${filter.env === undefined ? sql`` : sql`and ${column('env')} = ${filter.env}`}`;
}

/** The group a time falls in: `span` for the whole span, else its week's Monday. */
export function groupOf(kind: StoreDialect['kind'], grouping: Grouping, time: RawBuilder<unknown>): RawBuilder<string> {
  return grouping === 'span' ? sql<string>`'span'` : weekOf(kind, time);
}
