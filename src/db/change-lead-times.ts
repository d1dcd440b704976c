import { sql, type RawBuilder } from 'kysely';
import { medianByBucket, type StoreDialect } from './dialect.js';
import { pagesOfRawRows } from './row-stream.js';
import { groupOf, inSpan, type Grouping, type SpanFilter } from './span-filter.js';
import { countInRanges } from './range-counts.js';
import { msBetween } from './sql-time.js';
import type { Queryable } from './store.js';

/** A group's changes and the lead times the store knows (see changes below). */
export interface StoredLeadTimes {
  changes: number;
  /** Changes whose lead time the store measures. */
  measured: number;
  medianMs: number | null;
  /** Changes of records made before shiplog kept commits: their commit times can only come from a checkout. */
  unrecorded: number;
}

/** A change the store has no commit time for, whose commit a checkout may know. */
export interface UnrecordedChange {
  bucket: string;
  sha: string;
  completedAt: string;
}

/**
 * One row a change: each commit a successful deployment that is not a rollback brought (deployment_commits), or, for
 * a record without commits, its own commit (or the record itself when it has none), taken at the first success of
 * it in its app and environment (and group). `value` is its lead time, from commit to that success, where the store
 * knows the commit time and the clocks agree on the order; `flag` marks a change whose commit time only a checkout
 * can tell.
 *
 * Records without commits are most of a long history: their first successes are found in the order of the
 * deployments_changes index (a change's first row in its group is the one whose predecessor by time is in another
 * group, or none), so the database sorts nothing. Only the few that share a commit with recorded commits join
 * those, to be ranked with them.
 */
function changes(kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): RawBuilder<{ bucket: string; sha: string; completed_at: string | null; committed_at: string | null; value: number | null; flag: number }> {
  const successes = (alias: string) => sql`${inSpan(filter, alias)} and ${sql.ref(`${alias}.status`)} = 'success' and ${sql.ref(`${alias}.is_rollback`)} = 0`;
  const group = (alias: string) => groupOf(kind, grouping, sql.ref(`${alias}.created_at`));
  // A record without commits whose commit another record of its app, environment and group brought. Looked up
  // among the recorded commits gathered once: a lookup correlated with the deployments table lets SQLite start from
  // every deployment of the pair, for each of 700,000 records.
  const shared = sql`exists (select 1 from recorded r where r.sha = d.commit_sha and r.app = d.app and r.env = d.env and r.bucket = ${group('d')})`;
  const unrecorded = (sharing: boolean) => sql`
    select ${group('d')} as bucket, d.app, d.env, d.commit_sha as sha, d.created_at, d.id, d.completed_at
    from deployments d
    where ${successes('d')} and not exists (select 1 from deployment_commits c where c.deployment_id = d.id) and ${sharing ? shared : sql`not ${shared}`}`;
  return sql`
    with recorded as (
      select distinct ${group('o')} as bucket, o.app, o.env, c.sha
      from deployment_commits c join deployments o on o.id = c.deployment_id
      where ${successes('o')}
    ), ranked as (
      select bucket, app, env, sha, completed_at,
        max(committed_at) over (partition by bucket, app, env, sha) as committed_at,
        row_number() over (partition by bucket, app, env, sha order by created_at, id) as nth
      from (
        select ${group('d')} as bucket, d.app, d.env, c.sha, d.created_at, d.id, d.completed_at, c.committed_at
        from deployments d join deployment_commits c on c.deployment_id = d.id
        where ${successes('d')}
        union all
        select bucket, app, env, sha, created_at, id, completed_at, null from (${unrecorded(true)}) as shared
      ) as together
    ), alone as (
      select bucket, sha, completed_at, lag(bucket) over (partition by app, env, sha order by created_at, id) as before
      from (${unrecorded(false)}) as unshared
    ), firsts as (
      select bucket, sha, completed_at, committed_at from ranked where nth = 1
      union all
      select bucket, coalesce(sha, '#'), completed_at, null from alone where sha is null or before is null or before <> bucket
    )
    select bucket, sha, completed_at, committed_at,
      case when committed_at is not null and completed_at >= committed_at then ${msBetween(kind, sql.ref('committed_at'), sql.ref('completed_at'))} end as value,
      case when committed_at is null and sha <> '#' then 1 else 0 end as flag
    from firsts`;
}

/** Each group's changes, with the median of the lead times the store knows. */
export async function storedLeadTimes(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping): Promise<Map<string, StoredLeadTimes>> {
  const { rows } = await medianByBucket(kind, changes(kind, filter, grouping)).execute(q);
  return new Map(
    rows.map((row) => [
      String(row.bucket),
      { changes: Number(row.total), measured: Number(row.measured), medianMs: row.median === null ? null : Number(row.median), unrecorded: Number(row.flagged) },
    ]),
  );
}

/** The changes whose commit time only a checkout can tell, a page at a time. */
export async function* unrecordedChanges(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, pageSize: number): AsyncGenerator<UnrecordedChange[]> {
  const query = sql<{ bucket: string; sha: string; completed_at: string | null }>`select bucket, sha, completed_at from (${changes(kind, filter, grouping)}) as c where flag = 1`;
  for await (const page of pagesOfRawRows(q, kind, query, pageSize)) {
    yield page.filter((row) => row.completed_at !== null).map((row) => ({ bucket: String(row.bucket), sha: row.sha, completedAt: row.completed_at! }));
  }
}

/** The lead times the store knows, a page at a time: what a median over them and a checkout's must read. */
export async function* storedLeadTimeValues(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, pageSize: number): AsyncGenerator<{ bucket: string; value: number }[]> {
  const query = sql<{ bucket: string; value: number | string }>`select bucket, value from (${changes(kind, filter, grouping)}) as c where value is not null`;
  for await (const page of pagesOfRawRows(q, kind, query, pageSize)) yield page.map((row) => ({ bucket: String(row.bucket), value: Number(row.value) }));
}

/** How many of the lead times the store knows fall in each range: below each bound and at or above the one before. */
export async function storedLeadTimeCounts(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, belowMs: readonly number[]): Promise<number[]> {
  return countInRanges(q, sql`select value from (${changes(kind, filter, 'span')}) as c where value is not null`, belowMs);
}
