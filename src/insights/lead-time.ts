import { storedLeadTimes, storedLeadTimeValues, unrecordedChanges, type StoredLeadTimes } from '../db/change-lead-times.js';
import type { StoreDialect } from '../db/dialect.js';
import { groupsOf, type Grouping, type SpanFilter } from '../db/span-filter.js';
import type { Queryable } from '../db/store.js';
import { openCheckout, readCommitTimes, type Checkout } from './commit-times.js';

/** Lead time for changes in one group: the median over changes, how many were measured, how many not, and why not. */
export interface LeadTimeFigures {
  medianMs: number | null;
  /** Changes whose commit time is known. */
  measured: number;
  /** Changes whose commit time is not known, or came after their success. */
  unknown: number;
  /** Why some changes are unknown, and what to do; null when none is. */
  note: string | null;
}

export interface LeadTimeReading {
  byGroup: Map<string, LeadTimeFigures>;
  /** The lead times a checkout gave, by group: what counts of the store's lead times leave out. */
  fromCheckout: Map<string, number[]>;
}

/** Rows read at a time, and commits asked of git at a time: a few megabytes however long the history. */
const pageSize = 10_000;
/** Missing commits a note names; it counts the rest. */
const namedCommits = 3;

/**
 * Lead time per change (see db/change-lead-times.ts), the median over changes as Google's Four Keys takes it. The
 * store knows the commit times of what shiplog deployed since it records them; for records made before, the
 * checkout `stats` runs in is asked (`checkoutDir`), and only then are lead times read out of the database, to take
 * one median over both.
 */
export async function readLeadTimes(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, checkoutDir?: string): Promise<LeadTimeReading> {
  const stored = await storedLeadTimes(q, filter, grouping);
  const unrecorded = [...stored.values()].reduce((total, group) => total + group.unrecorded, 0);
  if (unrecorded === 0) return { byGroup: mapValues(stored, (group) => figures(group, 0, group.medianMs, null)), fromCheckout: new Map() };
  const checkout = openCheckout(checkoutDir);
  if (!checkout.available) {
    const note = `${plural(unrecorded, 'change')} recorded before shiplog kept commit times, and ${checkout.reason}: run it inside a checkout of their repository to measure them`;
    return { byGroup: mapValues(stored, (group) => figures(group, 0, group.medianMs, group.unrecorded > 0 ? note : null)), fromCheckout: new Map() };
  }
  const { fromCheckout, missing } = await askCheckout(q, kind, filter, grouping, checkout);
  const medians = fromCheckout.size === 0 ? undefined : await mediansWith(q, kind, filter, grouping, fromCheckout);
  const note = missing.count === 0 ? null : missingNote(missing, checkout);
  const byGroup = mapValues(stored, (group, bucket) => {
    const extra = fromCheckout.get(bucket)?.length ?? 0;
    return figures(group, extra, medians ? (medians.get(bucket) ?? null) : group.medianMs, group.unrecorded > extra ? note : null);
  });
  return { byGroup, fromCheckout };
}

function figures(group: StoredLeadTimes, fromCheckout: number, medianMs: number | null, unrecordedNote: string | null): LeadTimeFigures {
  const measured = group.measured + fromCheckout;
  const withoutCommit = group.changes - group.measured - group.unrecorded;
  const notes = [
    unrecordedNote,
    withoutCommit > 0 ? `${plural(withoutCommit, 'change')} with no commit, or a commit time after its success: deploy --commit (or CI's GITHUB_SHA, CI_COMMIT_SHA) names it` : null,
  ].filter((part) => part !== null);
  return { medianMs, measured, unknown: group.changes - measured, note: notes.length === 0 ? null : notes.join('; ') };
}

interface Missing {
  count: number;
  named: string[];
}

/** The checkout's commit times for the changes the store has none for, page by page. */
async function askCheckout(
  q: Queryable,
  kind: StoreDialect['kind'],
  filter: SpanFilter,
  grouping: Grouping,
  checkout: Extract<Checkout, { available: true }>,
): Promise<{ fromCheckout: Map<string, number[]>; missing: Missing }> {
  const fromCheckout = new Map<string, number[]>();
  const missing: Missing = { count: 0, named: [] };
  for await (const page of unrecordedChanges(q, kind, filter, grouping, pageSize)) {
    const times = readCommitTimes(checkout, page.map((change) => change.sha));
    for (const change of page) {
      const committed = times.get(change.sha);
      if (committed === undefined) {
        missing.count += 1;
        if (missing.named.length < namedCommits && !missing.named.includes(change.sha)) missing.named.push(change.sha);
        continue;
      }
      const leadMs = Date.parse(change.completedAt) - committed;
      if (leadMs >= 0) addTo(fromCheckout, groupsOf(change.bucket, grouping), leadMs);
    }
  }
  return { fromCheckout, missing };
}

/** Says which commits the checkout lacks, and the likely cause: a CI job's shallow clone. */
function missingNote(missing: Missing, checkout: Extract<Checkout, { available: true }>): string {
  const more = missing.count - missing.named.length;
  const which = `${missing.named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  const cause = checkout.shallow ? 'it is a shallow clone' : 'a shallow clone is the likely cause';
  return (
    `the commits of ${plural(missing.count, 'change')} recorded before shiplog kept commit times are not in the checkout at ${checkout.dir} (${which}): ` +
    `${cause}; fetch the whole history (actions/checkout's fetch-depth: 0, GitLab's GIT_DEPTH: 0) and run it again`
  );
}

/** The medians over the store's lead times and the checkout's together: the store's are read out a page at a time. */
async function mediansWith(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, grouping: Grouping, fromCheckout: Map<string, number[]>): Promise<Map<string, number | null>> {
  const all = new Map<string, number[]>();
  for (const [bucket, values] of fromCheckout) all.set(bucket, [...values]);
  for await (const page of storedLeadTimeValues(q, kind, filter, grouping, pageSize)) {
    for (const { bucket, value } of page) addTo(all, groupsOf(bucket, grouping), value);
  }
  return mapValues(all, (values) => median(values));
}

function addTo(valuesByGroup: Map<string, number[]>, groups: readonly string[], value: number): void {
  for (const group of groups) {
    const values = valuesByGroup.get(group);
    if (values) values.push(value);
    else valuesByGroup.set(group, [value]);
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function mapValues<T, U>(map: Map<string, T>, f: (value: T, key: string) => U): Map<string, U> {
  return new Map([...map].map(([key, value]) => [key, f(value, key)]));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
