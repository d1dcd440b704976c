import { doraKeys, noDeliveries, type DeliveryFigures, type Span } from '../dora.js';

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
 * The keys week by week (insights/dora.ts's rules applied to each week's deployments, by creation time), from each
 * week's figures. An outage belongs to the week it began, measured over the whole span, so one that runs over a
 * Sunday is not cut in two.
 */
export function weeklyTrend(byWeek: ReadonlyMap<string, DeliveryFigures>, span: Span): WeekKeys[] {
  const weeks: WeekKeys[] = [];
  for (let week = weekStart(span.sinceMs); week < span.untilMs; week += weekMs) {
    const monday = new Date(week).toISOString().slice(0, 10);
    const within: Span = { sinceMs: Math.max(week, span.sinceMs), untilMs: Math.min(week + weekMs, span.untilMs) };
    const keys = doraKeys(byWeek.get(monday) ?? noDeliveries, within);
    weeks.push({
      week: monday,
      successful: keys.deploymentFrequency.successful,
      perDay: keys.deploymentFrequency.perDay,
      leadTimeMs: keys.leadTime.medianMs,
      changeFailureRate: keys.changeFailureRate.rate,
      restoreMs: keys.timeToRestore.medianMs,
    });
  }
  return weeks;
}
