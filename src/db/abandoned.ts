import { toDeployment, type Deployment } from '../deployment.js';
import type { Status } from '../lifecycle.js';
import { unsettledIndexTerm } from './deployments.js';
import type { Queryable } from './store.js';

/** A deployment nobody follows any more: its follower is gone, or it never had one. */
export interface AbandonedDeployment extends Deployment {
  /** When its follower last said it still follows; null when it never had one. */
  heartbeatAt: string | null;
}

export interface AbandonedFilter {
  /** `running` alone, or also the unresolved ones (`timeout`, `stale`) that reconcile may settle. */
  statuses: readonly Status[];
  /** ISO-8601 UTC: only deployments started (or, never started, created) before then. */
  startedBefore: string;
  /** ISO-8601 UTC: a heartbeat older than this belongs to a follower that is gone. */
  leaseExpiredBefore: string;
}

/** The deployments in `filter.statuses`, older than its cutoff, that no live follower holds; oldest first. */
export async function findAbandoned(q: Queryable, filter: AbandonedFilter): Promise<AbandonedDeployment[]> {
  const rows = await q
    .selectFrom('deployments')
    .selectAll()
    .where('status', 'in', filter.statuses)
    .where('status', 'in', unsettledIndexTerm)
    .where((eb) => eb(eb.fn.coalesce('started_at', 'created_at'), '<', filter.startedBefore))
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', filter.leaseExpiredBefore)]))
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...toDeployment(row), heartbeatAt: row.heartbeat_at }));
}
