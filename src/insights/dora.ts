import type { DeploymentOutcome } from '../db/outcomes.js';
import type { CommitTimes } from './commit-times.js';
import { changeFailureTier, frequencyTier, leadTimeTier, recoveryTier, type Tier } from './dora-tiers.js';

/**
 * DORA's four keys over a span of history. Choices where DORA leaves room:
 * - a rollback is remediation, not a change delivered: it counts neither as a deployment for frequency,
 *   lead time and failure rate, nor as a failure; its success is what restores;
 * - `cancelled` deployments changed nothing and are left out of the failure rate;
 * - a change needs remediation when it failed, or succeeded and was later rolled back;
 * - lead time runs from the commit's committer time to the first success of that commit in an app and
 *   environment; it is known only for commits the local git checkout has (see commit-times.ts);
 * - recovery runs from the first bad deployment of an app and environment (failed, or later rolled back)
 *   to the next good success there; bad deployments in between belong to the same outage;
 * - times are medians, as DORA reports them.
 */
export interface DoraKeys {
  deploymentFrequency: {
    /** Successful deployments that are not rollbacks. */
    successful: number;
    perDay: number;
    perWeek: number;
    tier: Tier;
  };
  leadTime: {
    medianMs: number | null;
    /** Changes whose commit time is known. */
    measured: number;
    /** Successful changes with a commit the local checkout does not have, or with no commit at all. */
    unknown: number;
    /** Why lead time could not be measured at all, when it could not. */
    note: string | null;
    tier: Tier | null;
  };
  changeFailureRate: {
    /** Changes that ended success or failed. */
    changes: number;
    failed: number;
    rolledBack: number;
    rate: number | null;
    tier: Tier | null;
  };
  timeToRestore: {
    outages: number;
    restored: number;
    medianMs: number | null;
    tier: Tier | null;
  };
}

export interface Span {
  sinceMs: number;
  untilMs: number;
}

const dayMs = 86_400_000;

export function doraKeys(outcomes: readonly DeploymentOutcome[], commitTimes: CommitTimes, span: Span): DoraKeys {
  const changes = outcomes.filter((d) => !d.isRollback);
  const successful = changes.filter((d) => d.status === 'success');
  const days = Math.max(span.untilMs - span.sinceMs, 1) / dayMs;
  const perDay = successful.length / days;
  const lead = leadTimes(successful, commitTimes);
  const settled = changes.filter((d) => d.status === 'success' || d.status === 'failed');
  const failed = settled.filter((d) => d.status === 'failed').length;
  const rolledBack = settled.filter((d) => d.status === 'success' && d.rolledBackBy !== null).length;
  const rate = settled.length === 0 ? null : (failed + rolledBack) / settled.length;
  const outages = outagesOf(outcomes);
  const restoreTimes = outages.map((o) => o.lengthMs).filter((ms): ms is number => ms !== null);
  const restoreMedian = median(restoreTimes);
  return {
    deploymentFrequency: { successful: successful.length, perDay: rounded(perDay), perWeek: rounded(perDay * 7), tier: frequencyTier(perDay) },
    leadTime: { ...lead, tier: lead.medianMs === null ? null : leadTimeTier(lead.medianMs) },
    changeFailureRate: { changes: settled.length, failed, rolledBack, rate: rate === null ? null : rounded(rate), tier: rate === null ? null : changeFailureTier(rate) },
    timeToRestore: {
      outages: outages.length,
      restored: restoreTimes.length,
      medianMs: restoreMedian,
      tier: restoreMedian === null ? null : recoveryTier(restoreMedian),
    },
  };
}

function leadTimes(successful: readonly DeploymentOutcome[], commitTimes: CommitTimes): Omit<DoraKeys['leadTime'], 'tier'> {
  const { times, changes } = changeLeadTimes(successful, commitTimes);
  return {
    medianMs: median(times),
    measured: times.length,
    unknown: changes - times.length,
    note: commitTimes.available ? null : commitTimes.reason,
  };
}

/**
 * The lead time of each change whose commit time is known (see DoraKeys), and how many changes there were:
 * the first success of each commit in an app and environment.
 */
export function changeLeadTimes(successful: readonly DeploymentOutcome[], commitTimes: CommitTimes): { times: number[]; changes: number } {
  const firstSuccess = new Map<string, DeploymentOutcome>();
  for (const d of successful) {
    const change = `${d.app}\u0000${d.env}\u0000${d.commitSha ?? `#${d.id}`}`;
    if (!firstSuccess.has(change)) firstSuccess.set(change, d);
  }
  const times: number[] = [];
  for (const d of firstSuccess.values()) {
    const committed = commitTimes.available && d.commitSha ? commitTimes.times.get(d.commitSha) : undefined;
    const done = d.completedAt ? Date.parse(d.completedAt) : undefined;
    if (committed !== undefined && done !== undefined && done >= committed) times.push(done - committed);
  }
  return { times, changes: firstSuccess.size };
}

export interface Outage {
  /** When the first bad deployment completed. */
  startedMs: number;
  /** Until the next good success; null while it lasts. */
  lengthMs: number | null;
}

/** Each outage (see DoraKeys), per app and environment, in the order deployments completed. */
export function outagesOf(outcomes: readonly DeploymentOutcome[]): Outage[] {
  const byTarget = new Map<string, DeploymentOutcome[]>();
  for (const d of outcomes) {
    if (d.completedAt === null || (d.status !== 'success' && d.status !== 'failed')) continue;
    const target = `${d.app}\u0000${d.env}`;
    const list = byTarget.get(target);
    if (list) list.push(d);
    else byTarget.set(target, [d]);
  }
  const outages: Outage[] = [];
  for (const deployments of byTarget.values()) {
    // ISO-8601 UTC text sorts as time; comparing code points spares localeCompare's ICU collator.
    deployments.sort((a, b) => (a.completedAt! < b.completedAt! ? -1 : a.completedAt! > b.completedAt! ? 1 : a.id - b.id));
    let since: number | undefined;
    for (const d of deployments) {
      const bad = d.status === 'failed' || d.rolledBackBy !== null;
      if (bad && since === undefined) since = Date.parse(d.completedAt!);
      if (!bad && since !== undefined) {
        outages.push({ startedMs: since, lengthMs: Date.parse(d.completedAt!) - since });
        since = undefined;
      }
    }
    if (since !== undefined) outages.push({ startedMs: since, lengthMs: null });
  }
  return outages;
}

/** Four decimals are more than a reader or a dashboard needs, and keep float noise out of the JSON. */
function rounded(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
