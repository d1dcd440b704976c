import { sql, type Selectable } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { activeStatuses } from '../deployment/lifecycle.js';
import { toDeployment } from './deployment-rows.js';
import { unsettledIndexTerm, type EnvironmentState } from './deployments.js';
import type { DeploymentsTable } from './schema.js';
import type { Queryable } from './store.js';

/** What runs where, for a page: `open` holds only the newest few of each kind, the counts say how many there are. */
export interface EnvironmentSummary extends EnvironmentState {
  /** Records pending or running. */
  active: number;
  /** Records left unresolved (timeout, stale). */
  unresolved: number;
}

/**
 * Each app and environment's last success, how many records it has open, and the newest `newestOpen` of them of
 * each kind (active, unresolved) in id order: a store with 270,000 records left stale by a retrying tracker reads
 * a few rows a pair, not all of them.
 */
export async function summarizeEnvironments(q: Queryable, filter: { app?: string; env?: string }, newestOpen: number): Promise<EnvironmentSummary[]> {
  const pair = (alias: string) =>
    sql`${filter.app === undefined ? sql`` : sql`and ${sql.ref(`${alias}.app`)} = ${filter.app}`} ${filter.env === undefined ? sql`` : sql`and ${sql.ref(`${alias}.env`)} = ${filter.env}`}`;
  const unsettled = sql`status in (${sql.join(unsettledIndexTerm)})`;
  const active = sql`status in (${sql.join(activeStatuses.map((status) => sql.lit(status)))})`;
  const current = await sql<Selectable<DeploymentsTable>>`
    select d.* from last_successes s join deployments d on d.id = s.deployment_id where 1 = 1 ${pair('s')}`.execute(q);
  const counts = await sql<{ app: string; env: string; active: number | string; unresolved: number | string }>`
    select app, env, sum(case when ${active} then 1 else 0 end) as active, sum(case when ${active} then 0 else 1 end) as unresolved
    from deployments where ${unsettled} ${pair('deployments')} group by app, env`.execute(q);
  const open = await sql<Selectable<DeploymentsTable>>`
    select * from deployments where id in (
      select id from (
        select id, row_number() over (partition by app, env, case when ${active} then 1 else 0 end order by id desc) as newest
        from deployments where ${unsettled} ${pair('deployments')}
      ) ranked
      where newest <= ${newestOpen})
    order by id`.execute(q);
  const summaries = new Map<string, EnvironmentSummary>();
  const summaryOf = (app: string, env: string) => {
    const name = `${app}\u0000${env}`;
    let summary = summaries.get(name);
    if (!summary) summaries.set(name, (summary = { app, env, current: null, open: [], active: 0, unresolved: 0 }));
    return summary;
  };
  for (const row of current.rows) summaryOf(row.app, row.env).current = toDeployment(row);
  for (const row of counts.rows) Object.assign(summaryOf(row.app, row.env), { active: Number(row.active), unresolved: Number(row.unresolved) });
  for (const row of open.rows) summaryOf(row.app, row.env).open.push(toDeployment(row) as Deployment);
  const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...summaries.values()].sort((a, b) => byCodePoint(a.app, b.app) || byCodePoint(a.env, b.env));
}
