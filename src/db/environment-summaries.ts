import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { activeStatuses, unresolvedStatuses, type Status } from '../deployment/lifecycle.js';
import { toDeployment } from './deployment-rows.js';
import { unsettledIndexTerm, type EnvironmentState } from './deployments.js';
import type { StoreDialect } from './dialect.js';
import type { DeploymentsTable } from './schema.js';
import { pairTerms } from './span-filter.js';
import type { Queryable } from './store.js';

/** What runs where, for a page: `open` holds only the newest few of each kind, the counts say how many there are. */
export interface EnvironmentSummary extends EnvironmentState {
  /** Records pending or running. */
  active: number;
  /** Records left unresolved (timeout, stale). */
  unresolved: number;
}

/**
 * Each app and environment's last success, how many records it has open (counted by week in deployment_weeks), and
 * the newest `newestOpenCount` of them of each kind (active, unresolved) in id order, read along the index of open
 * records by pair: a store with 270,000 records left stale by a retrying tracker reads a few rows a pair.
 */
export async function summarizeEnvironments(
  q: Queryable,
  kind: StoreDialect['kind'],
  filter: { app?: string; env?: string },
  newestOpenCount: number,
): Promise<EnvironmentSummary[]> {
  const current = await sql<Selectable<DeploymentsTable>>`
    select d.* from last_successes s join deployments d on d.id = s.deployment_id where 1 = 1 ${pairTerms(filter, 's')}`.execute(q);
  const counts = await sql<{ app: string; env: string; active: number | string; unresolved: number | string }>`
    select app, env, sum(active) as active, sum(unresolved) as unresolved from deployment_weeks where 1 = 1 ${pairTerms(filter, 'deployment_weeks')}
    group by app, env having sum(active) + sum(unresolved) > 0`.execute(q);
  const open = await newestOpen(q, kind, counts.rows, newestOpenCount);
  const summaries = new Map<string, EnvironmentSummary>();
  const summaryOf = (app: string, env: string) => {
    const name = `${app}\u0000${env}`;
    let summary = summaries.get(name);
    if (!summary) summaries.set(name, (summary = { app, env, current: null, open: [], active: 0, unresolved: 0 }));
    return summary;
  };
  for (const row of current.rows) summaryOf(row.app, row.env).current = toDeployment(row);
  for (const row of counts.rows) Object.assign(summaryOf(row.app, row.env), { active: Number(row.active), unresolved: Number(row.unresolved) });
  for (const row of open) summaryOf(row.app, row.env).open.push(toDeployment(row) as Deployment);
  const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...summaries.values()].sort((a, b) => byCodePoint(a.app, b.app) || byCodePoint(a.env, b.env));
}

/**
 * The newest `limit` records of each kind (active, unresolved) of each pair that has any (`pairs`), in id order.
 * PostgreSQL reads them in one statement, a lateral join a pair; SQLite, which has none, in one a pair and kind,
 * each a few microseconds (on PostgreSQL a round trip each: 2,000 of them for a thousand pairs took 0.3 s).
 */
async function newestOpen(
  q: Queryable,
  kind: StoreDialect['kind'],
  pairs: readonly { app: string; env: string; active: number | string; unresolved: number | string }[],
  limit: number,
): Promise<Selectable<DeploymentsTable>[]> {
  // The whole unsettled term as well lets SQLite use the partial index, which it matches term by term.
  const newestOf = (app: RawBuilder<unknown>, env: RawBuilder<unknown>, statuses: readonly Status[]) => sql`
    select * from deployments
    where app = ${app} and env = ${env} and status in (${sql.join(unsettledIndexTerm)}) and status in (${sql.join(statuses.map((status) => sql.lit(status)))})
    order by id desc limit ${sql.lit(limit)}`;
  if (kind === 'postgres') {
    const { rows } = await sql<Selectable<DeploymentsTable>>`
      select open.* from unnest(${pairs.map((pair) => pair.app)}::text[], ${pairs.map((pair) => pair.env)}::text[]) as p (app, env)
      cross join lateral ((${newestOf(sql.ref('p.app'), sql.ref('p.env'), activeStatuses)}) union all (${newestOf(sql.ref('p.app'), sql.ref('p.env'), unresolvedStatuses)})) as open
      order by open.id`.execute(q);
    return rows;
  }
  const open: Selectable<DeploymentsTable>[] = [];
  for (const pair of pairs) {
    for (const [statuses, count] of [[activeStatuses, pair.active], [unresolvedStatuses, pair.unresolved]] as const) {
      if (Number(count) > 0) open.push(...(await newestOf(sql.val(pair.app), sql.val(pair.env), statuses).execute(q)).rows as Selectable<DeploymentsTable>[]);
    }
  }
  return open.sort((a, b) => Number(a.id) - Number(b.id));
}
