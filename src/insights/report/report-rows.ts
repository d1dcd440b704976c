import { sql, type Selectable } from 'kysely';
import { chunks } from '../../db/chunks.js';
import { toDeployment, toEvent } from '../../db/deployment-rows.js';
import { listEnvironmentStates, type EnvironmentState } from '../../db/deployments.js';
import type { StoreDialect } from '../../db/dialect.js';
import { listOutcomes, type DeploymentOutcome } from '../../db/outcomes.js';
import type { DeploymentsTable } from '../../db/schema.js';
import type { Queryable } from '../../db/store.js';
import type { Deployment, DeploymentEvent } from '../../deployment/deployment.js';

export interface ReportFilter {
  app?: string;
  env?: string;
  /** ISO-8601 UTC: the span's start, for everything but what runs now. */
  since: string;
}

/** What the report reads from the store, in one read transaction: plain values. */
export interface ReportRows {
  /** Every deployment of the span, a few columns each: the counts and DORA's keys come from these. */
  outcomes: DeploymentOutcome[];
  /** What runs where now, whatever the span. */
  states: EnvironmentState[];
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

export function timelineShare(environments: number): number {
  return Math.max(50, Math.floor(timelinePoints / Math.max(environments, 1)));
}

export async function readReportRows(q: Queryable, kind: StoreDialect['kind'], filter: ReportFilter): Promise<ReportRows> {
  const outcomes = await listOutcomes(q, filter);
  const states = await listEnvironmentStates(q, kind, filter);
  const timeline = await newestPerEnvironment(q, filter, timelineShare(new Set(outcomes.map((d) => d.env)).size));
  // Records still open get details as well, wherever they are: the grid's marks link to them.
  const inGrid = states.flatMap((s) => s.open);
  const detailed = new Map([...timeline, ...inGrid].map((deployment) => [deployment.id, { deployment, events: [] as DeploymentEvent[] }]));
  for (const ids of chunks([...detailed.keys()])) {
    const rows = await q.selectFrom('deployment_events').selectAll().where('deployment_id', 'in', ids).orderBy('id').execute();
    for (const row of rows) detailed.get(Number(row.deployment_id))!.events.push(toEvent(row));
  }
  return { outcomes, states, timeline, detailed };
}

/**
 * Ranked in SQL, so only the rows the page shows leave the database however long the span; the ranking reads
 * three columns, and only the winners' whole rows are read (a third of the time of ranking whole rows).
 */
async function newestPerEnvironment(q: Queryable, filter: ReportFilter, share: number): Promise<Deployment[]> {
  const { rows } = await sql<Selectable<DeploymentsTable>>`
    select * from deployments where id in (
      select id from (
        select id, row_number() over (partition by env order by created_at desc, id desc) as newest
        from deployments
        where created_at >= ${filter.since}
          ${filter.app === undefined ? sql`` : sql`and app = ${filter.app}`}
          ${filter.env === undefined ? sql`` : sql`and env = ${filter.env}`}
      ) ranked
      where newest <= ${share})
    order by env, created_at, id`.execute(q);
  return rows.map(toDeployment);
}
