import { findActive, findDeployment, getDeployment } from '../db/deployments.js';
import type { Queryable } from '../db/store.js';
import type { Deployment } from '../deployment/deployment.js';
import { ConflictError, UsageError } from '../errors.js';
import { decideRollback, type RollbackRecord, type RollbackWanted } from './rule.js';

/** A rollback: what runs now (and is replaced), the recorded success to deploy again, and why (rule.ts). */
export interface RollbackChoice {
  current: Deployment;
  target: Deployment;
  reason: string;
}

/** Most rollbacks are decided by the newest few records; a history that is not is read again, longer. */
const firstPage = 50;
const pageGrowth = 20;

/**
 * Chooses what a rollback deploys by the rule in rule.ts, only ever a recorded success, never "the
 * revision before". `to` is an id or key of this app and environment, else a version. A deployment still active
 * refuses the rollback, as it refuses a deploy.
 */
export async function chooseRollback(q: Queryable, app: string, env: string, to: string | undefined): Promise<RollbackChoice> {
  const active = await findActive(q, app, env);
  if (active) {
    throw new ConflictError(`${app} in ${env} has an active deployment ${active.key} (${active.status}); finish it before rolling back`, 'active_conflict');
  }
  const wanted = await wantedBy(q, app, env, to);
  for (let limit = firstPage; ; limit *= pageGrowth) {
    const newestFirst = await newestRecords(q, app, env, limit);
    const decision = decideRollback({ newestFirst, complete: newestFirst.length < limit }, wanted, app, env);
    if (decision.kind === 'refused') throw new UsageError(decision.message, decision.code);
    if (decision.kind === 'chosen') {
      const [current, target] = await Promise.all([getDeployment(q, String(decision.current.id)), getDeployment(q, String(decision.target.id))]);
      return { current, target, reason: decision.reason };
    }
  }
}

async function wantedBy(q: Queryable, app: string, env: string, to: string | undefined): Promise<RollbackWanted> {
  if (to === undefined) return { kind: 'previous' };
  const named = await findDeployment(q, to);
  return named && named.app === app && named.env === env ? { kind: 'deployment', deployment: named } : { kind: 'version', version: to };
}

/**
 * Newest first as `history` lists them: by creation time, so an imported older history stays older. Only the
 * columns the rule reads: a history where nothing qualifies is read to its start.
 */
async function newestRecords(q: Queryable, app: string, env: string, limit: number): Promise<RollbackRecord[]> {
  const rows = await q
    .selectFrom('deployments')
    .select(['id', 'key', 'status', 'started_at', 'version', 'commit_sha', 'image', 'rolled_back_by'])
    .where('app', '=', app)
    .where('env', '=', env)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    key: row.key,
    status: row.status,
    startedAt: row.started_at,
    version: row.version,
    commitSha: row.commit_sha,
    image: row.image,
    rolledBackBy: row.rolled_back_by === null ? null : Number(row.rolled_back_by),
  }));
}
