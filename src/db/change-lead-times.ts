import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { pagesOfRawRows } from './row-stream.js';
import { groupOfWeek, groupsOf, inSpan, mondayOf, wholeSpan, type Grouping, type SpanFilter } from './span-filter.js';
import { countInRanges } from './range-counts.js';
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
 * Each group's changes (see db/delivered-changes.ts), counted in one scan of the narrow table, and the median of
 * the lead times the store knows: the middle one or two of each group, read in the order of a lead-time index.
 */
export async function storedLeadTimes(q: Queryable, filter: SpanFilter, grouping: Grouping): Promise<Map<string, StoredLeadTimes>> {
  // The week bound as well lets the index of counts be read from the span's first week on.
  const { rows } = await sql<{ bucket: string; total: number | string; measured: number | string; flagged: number | string }>`
    select ${groupOfWeek(grouping)} as bucket, count(*) as total, count(lead_ms) as measured, sum(unrecorded) as flagged
    from delivered_changes
    where week >= ${mondayOf(filter.since.slice(0, 10))} and ${inSpan(filter, 'delivered_changes')}
    group by 1`.execute(q);
  const groups = new Map<string, StoredLeadTimes>();
  for (const row of rows) {
    for (const bucket of groupsOf(String(row.bucket), grouping)) {
      const group = groups.get(bucket) ?? { changes: 0, measured: 0, medianMs: null, unrecorded: 0 };
      group.changes += Number(row.total);
      group.measured += Number(row.measured);
      group.unrecorded += Number(row.flagged);
      groups.set(bucket, group);
    }
  }
  for (const [bucket, group] of groups) {
    if (group.measured > 0) group.medianMs = await middleLeadTime(q, filter, bucket === wholeSpan ? undefined : bucket, group.measured);
  }
  return groups;
}

/** The median of `measured` known lead times of the span, or of one week of it: the mean of the middle two for an even count, as DORA's medians are taken. */
async function middleLeadTime(q: Queryable, filter: SpanFilter, week: string | undefined, measured: number): Promise<number> {
  const { rows } = await sql<{ lead_ms: number | string }>`
    select lead_ms from delivered_changes
    where lead_ms is not null and ${inSpan(filter, 'delivered_changes')} ${week === undefined ? sql`` : sql`and week = ${week}`}
    order by lead_ms
    limit ${2 - (measured % 2)} offset ${Math.floor((measured - 1) / 2)}`.execute(q);
  return rows.reduce((total, row) => total + Number(row.lead_ms), 0) / rows.length;
}

/** The changes whose commit time only a checkout can tell, a page at a time. */
export async function* unrecordedChanges(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, pageSize: number): AsyncGenerator<UnrecordedChange[]> {
  const query = sql<{ bucket: string; sha: string; completed_at: string | null }>`
    select ${groupOfWeek(grouping)} as bucket, sha, completed_at from delivered_changes where ${inSpan(filter, 'delivered_changes')} and unrecorded = 1`;
  for await (const page of pagesOfRawRows(q, kind, query, pageSize)) {
    yield page.filter((row) => row.completed_at !== null).map((row) => ({ bucket: String(row.bucket), sha: row.sha, completedAt: row.completed_at! }));
  }
}

/** The lead times the store knows, a page at a time: what a median over them and a checkout's must read. */
export async function* storedLeadTimeValues(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, pageSize: number): AsyncGenerator<{ bucket: string; value: number }[]> {
  const query = sql<{ bucket: string; value: number | string }>`
    select ${groupOfWeek(grouping)} as bucket, lead_ms as value from delivered_changes where ${inSpan(filter, 'delivered_changes')} and lead_ms is not null`;
  for await (const page of pagesOfRawRows(q, kind, query, pageSize)) yield page.map((row) => ({ bucket: String(row.bucket), value: Number(row.value) }));
}

/** How many of the lead times the store knows fall in each range: below each bound and at or above the one before. */
export async function storedLeadTimeCounts(q: Queryable, filter: SpanFilter, belowMs: readonly number[]): Promise<number[]> {
  return countInRanges(q, sql`select lead_ms as value from delivered_changes where ${inSpan(filter, 'delivered_changes')} and lead_ms is not null`, belowMs);
}
