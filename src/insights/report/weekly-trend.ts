import type { DeploymentOutcome } from '../../db/outcomes.js';
import type { CommitTimes } from '../commit-times.js';
import { doraKeys, median, outagesOf, type Span } from '../dora.js';

/** DORA's four keys in one calendar week (Monday 00:00 UTC on), each null where the week had nothing to measure. */
export interface WeekKeys {
  /** The week's Monday, `YYYY-MM-DD`. */
  week: string;
  /** Successful changes (rollbacks left out, as DORA's frequency counts them). */
  successful: number;
  /** Successful changes a day, over the part of the week inside the report's span. */
  perDay: number;
  leadTimeMs: number | null;
  changeFailureRate: number | null;
  /** Median length of the outages that began that week and have ended. */
  restoreMs: number | null;
}

const dayMs = 86_400_000;
const weekMs = 7 * dayMs;
/** The epoch fell on a Thursday: Mondays are 4 days after it, modulo a week. */
const mondayOffsetMs = 4 * dayMs;

function weekStart(ms: number): number {
  return Math.floor((ms - mondayOffsetMs) / weekMs) * weekMs + mondayOffsetMs;
}

/**
 * The keys week by week, with insights/dora.ts's rules applied to each week's deployments (by creation time). An outage
 * belongs to the week it began, measured over the whole span, so one that runs over a Sunday is not cut in two.
 */
export function weeklyTrend(outcomes: readonly DeploymentOutcome[], commitTimes: CommitTimes, span: Span): WeekKeys[] {
  const byWeek = new Map<number, DeploymentOutcome[]>();
  for (const d of outcomes) {
    const week = weekStart(Date.parse(d.createdAt));
    const list = byWeek.get(week);
    if (list) list.push(d);
    else byWeek.set(week, [d]);
  }
  const restoredByWeek = new Map<number, number[]>();
  for (const outage of outagesOf(outcomes)) {
    if (outage.lengthMs === null) continue;
    const week = weekStart(outage.startedMs);
    const lengths = restoredByWeek.get(week);
    if (lengths) lengths.push(outage.lengthMs);
    else restoredByWeek.set(week, [outage.lengthMs]);
  }
  const weeks: WeekKeys[] = [];
  for (let week = weekStart(span.sinceMs); week < span.untilMs; week += weekMs) {
    const within: Span = { sinceMs: Math.max(week, span.sinceMs), untilMs: Math.min(week + weekMs, span.untilMs) };
    const keys = doraKeys(byWeek.get(week) ?? [], commitTimes, within);
    weeks.push({
      week: new Date(week).toISOString().slice(0, 10),
      successful: keys.deploymentFrequency.successful,
      perDay: keys.deploymentFrequency.perDay,
      leadTimeMs: keys.leadTime.medianMs,
      changeFailureRate: keys.changeFailureRate.rate,
      restoreMs: median(restoredByWeek.get(week) ?? []),
    });
  }
  return weeks;
}
