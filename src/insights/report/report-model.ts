import type { EnvironmentSummary } from '../../db/environment-summaries.js';
import { deploymentCounts, type DeploymentCounts } from '../deployment-counts.js';
import { doraKeys, noDeliveries, type DoraKeys, type Span } from '../dora.js';
import type { Bucket } from './histogram.js';
import type { ReportRows } from './report-rows.js';
import type { Lane } from './timeline-chart.js';
import { weeklyTrend, type WeekKeys } from './weekly-trend.js';

/** Everything the page shows, computed: the page only lays it out. */
export interface ReportModel {
  app: string | null;
  env: string | null;
  span: Span;
  counts: DeploymentCounts;
  states: EnvironmentSummary[];
  lanes: Lane[];
  detailed: ReportRows['detailed'];
  dora: DoraKeys;
  weeks: WeekKeys[];
  leadTimes: Bucket[];
  durations: Bucket[];
}

export function reportModel(rows: ReportRows, scope: { app: string | null; env: string | null; span: Span }): ReportModel {
  const figures = rows.span ?? noDeliveries;
  const lanes = [...rows.totals.keys()].sort(byCodePoint).map((env) => ({ env, total: rows.totals.get(env)!, shown: rows.timeline.filter((d) => d.env === env) }));
  return {
    ...scope,
    counts: deploymentCounts(figures.counts),
    states: rows.states,
    lanes,
    detailed: rows.detailed,
    dora: doraKeys(figures, scope.span),
    weeks: weeklyTrend(rows.weeks, scope.span),
    leadTimes: rows.leadTimes,
    durations: rows.durations,
  };
}

/** Code-point order, as `status` sorts: localeCompare's first call loads ICU's collator. */
export function byCodePoint(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
