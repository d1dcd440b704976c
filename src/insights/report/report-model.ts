import type { EnvironmentState } from '../../db/deployments.js';
import type { CommitTimes } from '../commit-times.js';
import { countOutcomes, type DeploymentCounts } from '../deployment-counts.js';
import { changeLeadTimes, doraKeys, type DoraKeys, type Span } from '../dora.js';
import { durationEdges, histogram, leadTimeEdges, type Bucket } from './histogram.js';
import type { ReportRows } from './report-rows.js';
import type { Lane } from './timeline-chart.js';
import { weeklyTrend, type WeekKeys } from './weekly-trend.js';

/** Everything the page shows, computed: the page only lays it out. */
export interface ReportModel {
  app: string | null;
  env: string | null;
  span: Span;
  counts: DeploymentCounts;
  states: EnvironmentState[];
  lanes: Lane[];
  detailed: ReportRows['detailed'];
  dora: DoraKeys;
  weeks: WeekKeys[];
  leadTimes: Bucket[];
  durations: Bucket[];
}

export function reportModel(rows: ReportRows, commitTimes: CommitTimes, scope: { app: string | null; env: string | null; span: Span }): ReportModel {
  const { outcomes } = rows;
  const totals = new Map<string, number>();
  for (const d of outcomes) totals.set(d.env, (totals.get(d.env) ?? 0) + 1);
  const lanes = [...totals.keys()].sort(byCodePoint).map((env) => ({ env, total: totals.get(env)!, shown: rows.timeline.filter((d) => d.env === env) }));
  const changes = outcomes.filter((d) => !d.isRollback && d.status === 'success');
  const durations = outcomes
    .filter((d) => (d.status === 'success' || d.status === 'failed') && d.completedAt !== null)
    .map((d) => Date.parse(d.completedAt!) - Date.parse(d.startedAt ?? d.createdAt));
  return {
    ...scope,
    counts: countOutcomes(outcomes),
    states: rows.states,
    lanes,
    detailed: rows.detailed,
    dora: doraKeys(outcomes, commitTimes, scope.span),
    weeks: weeklyTrend(outcomes, commitTimes, scope.span),
    leadTimes: histogram(changeLeadTimes(changes, commitTimes).times, leadTimeEdges),
    durations: histogram(durations, durationEdges),
  };
}

/** Code-point order, as `status` sorts: localeCompare's first call loads ICU's collator. */
export function byCodePoint(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
