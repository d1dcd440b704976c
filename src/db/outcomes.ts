import type { Status } from '../deployment/lifecycle.js';
import type { Queryable } from './store.js';

/** What the delivery metrics need of one deployment: a plain value, read in one query. */
export interface DeploymentOutcome {
  id: number;
  app: string;
  env: string;
  commitSha: string | null;
  status: Status;
  isRollback: boolean;
  rolledBackBy: number | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface OutcomeFilter {
  app?: string;
  env?: string;
  /** ISO-8601 UTC: only deployments created since then. */
  since: string;
}

/** The deployments created since `filter.since`, oldest first. */
export async function listOutcomes(q: Queryable, filter: OutcomeFilter): Promise<DeploymentOutcome[]> {
  let query = q
    .selectFrom('deployments')
    .select(['id', 'app', 'env', 'commit_sha', 'status', 'is_rollback', 'rolled_back_by', 'created_at', 'started_at', 'completed_at'])
    .where('created_at', '>=', filter.since);
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.env !== undefined) query = query.where('env', '=', filter.env);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({
    id: Number(row.id),
    app: row.app,
    env: row.env,
    commitSha: row.commit_sha,
    status: row.status,
    isRollback: Number(row.is_rollback) === 1,
    rolledBackBy: row.rolled_back_by === null ? null : Number(row.rolled_back_by),
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  }));
}
