import { sql, type Selectable } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { finalStatuses } from '../deployment/lifecycle.js';
import { chunks } from './chunks.js';
import { toDeployment } from './deployment-rows.js';
import type { DeploymentsTable } from './schema.js';
import type { Queryable } from './store.js';

export interface PruneRule {
  /** ISO-8601 UTC: only records created before then. */
  createdBefore: string;
  /** The newest this many records of each app and environment stay, whatever their age. */
  keep: number;
}

export interface Prunable extends Deployment {
  events: number;
}

/**
 * The records retention may delete, in one query: final ones older than the cutoff, beyond the newest
 * `keep` of their app and environment. Never one another record points at (a rollback link), and never
 * the last success of an app and environment, which is what runs there and what `status` shows.
 */
export async function findPrunable(q: Queryable, rule: PruneRule): Promise<Prunable[]> {
  const result = await sql<Selectable<DeploymentsTable> & { newness: number | string; events: number | string }>`
    with ranked as (
      select d.*, row_number() over (partition by app, env order by created_at desc, id desc) as newness
      from deployments d
    )
    select r.*, (select count(*) from deployment_events e where e.deployment_id = r.id) as events
    from ranked r
    where r.newness > ${rule.keep}
      and r.created_at < ${rule.createdBefore}
      and r.status in (${sql.join(finalStatuses.map((status) => sql.lit(status)))})
      and r.id not in (select max(id) from deployments where status = 'success' group by app, env)
      and not exists (select 1 from deployments x where x.rollback_of = r.id)
      and not exists (select 1 from deployments x where x.rolled_back_by = r.id)
    order by r.app, r.env, r.created_at, r.id`.execute(q);
  return result.rows.map((row) => ({ ...toDeployment(row), events: Number(row.events) }));
}

/** Deletes the records, their events and the merged records' keys that answered with them, a statement-sized batch at a time. */
export async function deleteDeployments(q: Queryable, ids: readonly number[]): Promise<void> {
  for (const chunk of chunks(ids)) {
    await q.deleteFrom('deployment_events').where('deployment_id', 'in', chunk).execute();
    await q.deleteFrom('merged_deployments').where('merged_into', 'in', chunk).execute();
    await q.deleteFrom('deployments').where('id', 'in', chunk).execute();
  }
}
