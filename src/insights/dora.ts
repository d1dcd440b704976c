import type { DeliveryCounts } from '../db/delivery-counts.js';
import type { OutageLengths } from '../db/outage-lengths.js';
import { changeFailureTier, frequencyTier, leadTimeTier, recoveryTier, type Tier } from './dora-tiers.js';
import type { LeadTimeFigures } from './lead-time.js';

/**
 * DORA's four keys over a span of history. Choices where DORA leaves room:
 * - a rollback is remediation, not a change delivered: it counts neither as a deployment for frequency,
 *   lead time and failure rate, nor as a failure; its success is what restores;
 * - `cancelled` deployments changed nothing and are left out of the failure rate;
 * - a change needs remediation when it failed, or succeeded and was later rolled back;
 * - lead time runs from each commit's committer time to the first success that brought it to an app and
 *   environment, median over changes (see lead-time.ts);
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
    /** Successful changes whose commit time is not known (see note), or came after their success. */
    unknown: number;
    /** Why some changes' lead time is unknown, and what to do; null when none is. */
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

/** What the keys are computed from: the database's counts, outages and lead times of one span or group. */
export interface DeliveryFigures {
  counts: DeliveryCounts;
  outages: OutageLengths;
  leadTime: LeadTimeFigures;
}

const dayMs = 86_400_000;

export const noDeliveries: DeliveryFigures = {
  counts: { total: 0, success: 0, failed: 0, cancelled: 0, rollbacks: 0, successfulChanges: 0, failedChanges: 0, rolledBackChanges: 0 },
  outages: { outages: 0, restored: 0, medianMs: null },
  leadTime: { medianMs: null, measured: 0, unknown: 0, note: null },
};

export function doraKeys({ counts, outages, leadTime }: DeliveryFigures, span: Span): DoraKeys {
  const days = Math.max(span.untilMs - span.sinceMs, 1) / dayMs;
  const perDay = counts.successfulChanges / days;
  const settled = counts.successfulChanges + counts.failedChanges;
  const rate = settled === 0 ? null : (counts.failedChanges + counts.rolledBackChanges) / settled;
  return {
    deploymentFrequency: { successful: counts.successfulChanges, perDay: rounded(perDay), perWeek: rounded(perDay * 7), tier: frequencyTier(perDay) },
    leadTime: { ...leadTime, tier: leadTime.medianMs === null ? null : leadTimeTier(leadTime.medianMs) },
    changeFailureRate: {
      changes: settled,
      failed: counts.failedChanges,
      rolledBack: counts.rolledBackChanges,
      rate: rate === null ? null : rounded(rate),
      tier: rate === null ? null : changeFailureTier(rate),
    },
    timeToRestore: { ...outages, tier: outages.medianMs === null ? null : recoveryTier(outages.medianMs) },
  };
}

/** Four decimals are more than a reader or a dashboard needs, and keep float noise out of the JSON. */
function rounded(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
