import { storedLeadTimeCounts } from '../../db/change-lead-times.js';
import { chunks } from '../../db/chunks.js';
import { runTimeRanges } from '../../db/deployment-weeks.js';
import { countByEnvironment } from '../../db/environment-counts.js';
import { toDeployment, toEvent } from '../../db/deployment-rows.js';
import type { StoreDialect } from '../../db/dialect.js';
import { summarizeEnvironments, type EnvironmentSummary } from '../../db/environment-summaries.js';
import { wholeSpan, type SpanFilter } from '../../db/span-filter.js';
import type { Queryable } from '../../db/store.js';
import type { Deployment, DeploymentEvent } from '../../deployment/deployment.js';
import { readDeliveryFigures } from '../delivery-figures.js';
import type { DeliveryFigures } from '../dora.js';
import { durationLabels, histogram, leadTimeEdges, type Bucket } from './histogram.js';

/** What the report reads from the store, in one read transaction: plain values, and only what the page draws. */
export interface ReportRows {
  /** The figures of the whole span, and of each week of it by its Monday (`YYYY-MM-DD`), computed in the database. */
  span: DeliveryFigures | undefined;
  weeks: Map<string, DeliveryFigures>;
  /** How many deployments each environment has in the span. */
  totals: Map<string, number>;
  leadTimes: Bucket[];
  durations: Bucket[];
  /** What runs where now, whatever the span, with the newest of its open records. */
  states: EnvironmentSummary[];
  /** The newest deployments of each environment in the span, `timelineShare` at most each, oldest first. */
  timeline: Deployment[];
  /** The deployments the page details, those of the timeline and the open ones, with their events, by id. */
  detailed: Map<number, { deployment: Deployment; events: DeploymentEvent[] }>;
}

/**
 * The timeline draws at most this many deployments, the newest of each environment in equal shares (at least 50
 * each). A month of a busy team's history (8,000 deployments at 100,000 a year), drawn and detailed point by
 * point, would make a page of megabytes that no one reads point by point; this keeps it under half a megabyte,
 * and the counts, keys and charts still cover the whole span.
 */
export const timelinePoints = 300;

/** The open records a cell of the grid names and links to, of each kind: the newest; the cell counts them all. */
export const openShown = 5;

export function timelineShare(environments: number): number {
  return Math.max(50, Math.floor(timelinePoints / Math.max(environments, 1)));
}

export async function readReportRows(q: Queryable, kind: StoreDialect['kind'], filter: SpanFilter, checkoutDir?: string): Promise<ReportRows> {
  const figures = await readDeliveryFigures(q, kind, filter, 'week', checkoutDir);
  const storedLeadTimes = await storedLeadTimeCounts(q, filter, leadTimeEdges.map((edge) => edge.belowMs));
  const fromCheckout = histogram(figures.leadTimesFromCheckout.get(wholeSpan) ?? [], leadTimeEdges);
  const leadTimes = fromCheckout.map((bucket, index) => ({ label: bucket.label, count: bucket.count + storedLeadTimes[index]! }));
  const byEnvironment = await countByEnvironment(q, kind, filter);
  const totals = new Map([...byEnvironment].map(([env, counts]) => [env, counts.total]));
  const durations = runTimeRanges.map(({ column }) => ({
    label: durationLabels[column],
    count: [...byEnvironment.values()].reduce((sum, counts) => sum + counts.ran[column], 0),
  }));
  const states = await summarizeEnvironments(q, kind, filter, openShown);
  const timeline = await newestPerEnvironment(q, filter, [...totals.keys()], timelineShare(totals.size));
  // Records still open get details as well, wherever they are: the grid's marks link to them.
  const inGrid = states.flatMap((s) => s.open);
  const detailed = new Map([...timeline, ...inGrid].map((deployment) => [deployment.id, { deployment, events: [] as DeploymentEvent[] }]));
  for (const ids of chunks([...detailed.keys()])) {
    const rows = await q.selectFrom('deployment_events').selectAll().where('deployment_id', 'in', ids).orderBy('id').execute();
    for (const row of rows) detailed.get(Number(row.deployment_id))!.events.push(toEvent(row));
  }
  const weeks = new Map([...figures.groups].filter(([bucket]) => bucket !== wholeSpan));
  return { span: figures.groups.get(wholeSpan), weeks, totals, leadTimes, durations, states, timeline, detailed };
}

/**
 * Each environment's newest `share` deployments of the span, oldest first: read newest first along the index of
 * creation times, one environment at a time, so only the rows the page shows are read however long the span (a
 * ranking over the whole span read every record of it).
 */
async function newestPerEnvironment(q: Queryable, filter: SpanFilter, environments: readonly string[], share: number): Promise<Deployment[]> {
  const newest: Deployment[] = [];
  for (const env of environments) {
    let query = q.selectFrom('deployments').selectAll().where('created_at', '>=', filter.since).where('env', '=', env);
    if (filter.app !== undefined) query = query.where('app', '=', filter.app);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(share).execute();
    newest.push(...rows.reverse().map(toDeployment));
  }
  return newest;
}
