import type { Updateable } from 'kysely';
import { canTransition, isFinal, type EventSource, type Status } from '../deployment/lifecycle.js';
import { toDeployment } from './deployment-rows.js';
import type { DeploymentsTable } from './schema.js';
import { noteStatusChange } from './status-changes.js';
import type { Queryable } from './store.js';

export interface Transition {
  id: number;
  /** The status the caller read; the change applies only if the record is still in it. */
  from: Status;
  to: Status;
  source: EventSource;
  detail?: string | null;
  /** Other columns to set with the status (error, target, rolled_back_by, …). */
  set?: Updateable<DeploymentsTable>;
  /** The lease the record must still be under: a follower changes only what it holds. */
  heldBy?: string;
  at?: string;
}

/**
 * Applies one status change as a compare-and-set, with its event row, on the given transaction.
 * Returns false, changing nothing, when the record has moved on since it was read, or is no longer under
 * `heldBy`'s lease. Throws when the lifecycle forbids the change, which is a bug in the caller, not a race.
 */
export async function applyTransition(q: Queryable, change: Transition): Promise<boolean> {
  if (!canTransition(change.from, change.to)) {
    throw new Error(`illegal transition ${change.from} -> ${change.to} for deployment ${change.id}`);
  }
  const at = change.at ?? new Date().toISOString();
  const timing: Updateable<DeploymentsTable> = {};
  if (change.to === 'running') timing.started_at = at;
  if (isFinal(change.to)) {
    timing.completed_at = at;
    timing.lease_owner = null;
  }
  const row = await q
    .updateTable('deployments')
    .set({ ...change.set, ...timing, status: change.to })
    .where('id', '=', change.id)
    .where('status', '=', change.from)
    .$if(change.heldBy !== undefined, (update) => update.where('lease_owner', '=', change.heldBy!))
    .returningAll()
    .executeTakeFirst();
  if (!row) return false;
  if (change.to === 'success') await markRolledBack(q, change.id);
  const event = { at, from: change.from, to: change.to, source: change.source, detail: change.detail ?? null };
  await q
    .insertInto('deployment_events')
    .values({ deployment_id: change.id, at, from_status: event.from, to_status: event.to, source: event.source, detail: event.detail })
    .execute();
  // Records another tool's history holds are not news: an import settles them, and nobody is told.
  if (change.source !== 'import') noteStatusChange(q, { deployment: toDeployment(row), event });
  return true;
}

/**
 * A rollback that succeeds marks the deployment it replaced (its `rollback_of`) as rolled back by it, in the
 * same transaction, whichever path settled it (deploy, track, poll, finish, cleanup).
 */
async function markRolledBack(q: Queryable, id: number): Promise<void> {
  const rollback = await q.selectFrom('deployments').select(['is_rollback', 'rollback_of']).where('id', '=', id).executeTakeFirst();
  if (!rollback || Number(rollback.is_rollback) !== 1 || rollback.rollback_of === null) return;
  await q.updateTable('deployments').set({ rolled_back_by: id }).where('id', '=', rollback.rollback_of).execute();
}

/** Records a non-status event (a retry, a progress note) on a deployment. */
export async function recordNote(q: Queryable, id: number, status: Status, source: EventSource, detail: string): Promise<void> {
  await q
    .insertInto('deployment_events')
    .values({ deployment_id: id, at: new Date().toISOString(), from_status: status, to_status: status, source, detail })
    .execute();
}
