import { sql, type RawBuilder } from 'kysely';
import { medianByBucket, type StoreDialect } from './dialect.js';
import { groupOf, inSpan, withWholeSpan, type Grouping, type SpanFilter } from './span-filter.js';
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
 * between belong to it. Only the groups' figures leave the database. An outage belongs to the group its first bad
 * deployment completed in.
 */
export async function outageLengths(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): Promise<Map<string, OutageLengths>> {
  const { rows } = await medianByBucket(kind, withWholeSpan(outages(kind, filter, grouping), grouping)).execute(q);
  return new Map(
    rows.map((row) => [String(row.bucket), { outages: Number(row.total), restored: Number(row.measured), medianMs: row.median === null ? null : Number(row.median) }]),
  );
}

/**
 * One row an outage: `value` its length, null while it lasts. Both ways read the deployments_ended index in order.
 * PostgreSQL finds the turns between bad and good with a window over each pair's deployments. SQLite's windows
 * cost about a microsecond a row, over every ended deployment, so there each bad deployment instead looks up the
 * one before it (an outage begins where that one was good) and, for a beginning, the next good one: index seeks
 * for the bad tenth of the history alone, a quarter of the time. On PostgreSQL the seeks take twice the window.
 */
function outages(kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): RawBuilder<unknown> {
  const ended = (alias: string) => sql`${inSpan(filter, alias)} and ${sql.ref(`${alias}.completed_at`)} is not null and ${sql.ref(`${alias}.status`)} in ('success', 'failed')`;
  const bad = (alias: string) => sql`(${sql.ref(`${alias}.status`)} = 'failed' or ${sql.ref(`${alias}.rolled_back_by`)} is not null)`;
  const outage = (started: RawBuilder<unknown>, restored: RawBuilder<unknown>) =>
    sql`${groupOf(kind, grouping, started)} as bucket, ${msBetween(kind, started, restored)} as value, 0 as flag`;
  if (kind === 'sqlite') {
    const samePair = (alias: string) => sql`${sql.ref(`${alias}.app`)} = b.app and ${sql.ref(`${alias}.env`)} = b.env and ${ended(alias)}`;
    return sql`
      select ${outage(sql.ref('started'), sql.ref('restored'))}
      from (
        select b.completed_at as started,
          (select g.completed_at from deployments g
           where ${samePair('g')} and not ${bad('g')} and (g.completed_at, g.id) > (b.completed_at, b.id)
           order by g.completed_at, g.id limit 1) as restored
        from deployments b
        where ${ended('b')} and ${bad('b')}
          and not coalesce((select ${bad('p')} from deployments p
                            where ${samePair('p')} and (p.completed_at, p.id) < (b.completed_at, b.id)
                            order by p.completed_at desc, p.id desc limit 1), 0)
      ) as beginnings`;
  }
  return sql`
    with turns as (
      select app, env, id, completed_at, bad, lag(bad, 1, 0) over (partition by app, env order by completed_at, id) as before
      from (select app, env, id, completed_at, case when ${bad('d')} then 1 else 0 end as bad from deployments d where ${ended('d')}) as ended
    ), edges as (
      select completed_at, bad, lead(completed_at) over (partition by app, env order by completed_at, id) as next_turn
      from turns
      where bad <> before
    )
    select ${outage(sql.ref('completed_at'), sql.ref('next_turn'))}
    from edges
    where bad = 1`;
}
