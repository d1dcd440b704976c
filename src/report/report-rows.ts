import { sql, type Selectable } from 'kysely';
import { chunks } from '../db/chunks.js';
import { listEnvironmentStates, type EnvironmentState } from '../db/deployments.js';
import { listOutcomes, type DeploymentOutcome } from '../db/outcomes.js';
import type { DeploymentsTable } from '../db/schema.js';
import type { Queryable } from '../db/store.js';
import { toDeployment, toEvent, type Deployment, type DeploymentEvent } from '../deployment.js';

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
  /** The newest deployments of each environment in the span, at most `timelineCap` each, oldest first. */
  timeline: Deployment[];
  /** The deployments the page details, those of the timeline and the grid, with their events, by id. */
  detailed: Map<number, { deployment: Deployment; events: DeploymentEvent[] }>;
}

export async function readReportRows(q: Queryable, filter: ReportFilter, timelineCap: number): Promise<ReportRows> {
  const outcomes = await listOutcomes(q, filter);
  const states = await listEnvironmentStates(q, filter);
  const timeline = await newestPerEnvironment(q, filter, timelineCap);
  const inGrid = states.flatMap((s) => (s.current ? [s.current, ...s.open] : s.open));
  const detailed = new Map([...timeline, ...inGrid].map((deployment) => [deployment.id, { deployment, events: [] as DeploymentEvent[] }]));
  for (const ids of chunks([...detailed.keys()])) {
    const rows = await q.selectFrom('deployment_events').selectAll().where('deployment_id', 'in', ids).orderBy('id').execute();
    for (const row of rows) detailed.get(Number(row.deployment_id))!.events.push(toEvent(row));
  }
  return { outcomes, states, timeline, detailed };
}

/** Ranked in SQL, so only the rows the page shows leave the database however long the span. */
async function newestPerEnvironment(q: Queryable, filter: ReportFilter, cap: number): Promise<Deployment[]> {
  const { rows } = await sql<Selectable<DeploymentsTable>>`
    select * from (
      select d.*, row_number() over (partition by env order by created_at desc, id desc) as newest
      from deployments d
      where created_at >= ${filter.since}
        ${filter.app === undefined ? sql`` : sql`and app = ${filter.app}`}
        ${filter.env === undefined ? sql`` : sql`and env = ${filter.env}`}
    ) ranked
    where newest <= ${cap}
    order by env, created_at, id`.execute(q);
  return rows.map(toDeployment);
}
