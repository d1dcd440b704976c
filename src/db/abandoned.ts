import type { Deployment } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import { toDeployment } from './deployment-rows.js';
import { unsettledIndexTerm } from './deployments.js';
import type { Queryable } from './store.js';

/** A deployment nobody follows any more: its creator or follower is gone, or it never had one. */
export interface AbandonedDeployment extends Deployment {
  /** When its creator or follower, now gone, last said it still holds it; null when nobody holds it. */
  heartbeatAt: string | null;
}

export interface AbandonedFilter {
  /** `pending` and `running`, and maybe the unresolved ones (`timeout`, `stale`) that reconcile may settle. */
  statuses: readonly Status[];
  /** ISO-8601 UTC: only deployments started (or, never started, created) before then. */
  startedBefore: string;
  /** ISO-8601 UTC: a heartbeat older than this belongs to a creator or follower that is gone. */
  leaseExpiredBefore: string;
  /**
   * ISO-8601 UTC: a deployment that nobody holds (record-only, or let go by an interrupted follower) counts only
   * if started before then; one whose holder died counts from `startedBefore`. Defaults to `startedBefore`.
   */
  unheldStartedBefore?: string;
}

/** The deployments in `filter.statuses`, older than its cutoff, that no live creator or follower holds; oldest first. */
export async function findAbandoned(q: Queryable, filter: AbandonedFilter): Promise<AbandonedDeployment[]> {
  const unheldBefore = filter.unheldStartedBefore ?? filter.startedBefore;
  const rows = await q
    .selectFrom('deployments')
    .selectAll()
    .where('status', 'in', filter.statuses)
    .where('status', 'in', unsettledIndexTerm)
    .where((eb) => eb(eb.fn.coalesce('started_at', 'created_at'), '<', filter.startedBefore))
    .where((eb) =>
      eb.or([
        eb.and([eb('lease_owner', 'is not', null), eb('heartbeat_at', '<', filter.leaseExpiredBefore)]),
        eb.and([eb.or([eb('lease_owner', 'is', null), eb('heartbeat_at', 'is', null)]), eb(eb.fn.coalesce('started_at', 'created_at'), '<', unheldBefore)]),
      ]),
    )
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...toDeployment(row), heartbeatAt: row.lease_owner === null ? null : row.heartbeat_at }));
}

/** When the process holding a deployment last said it still does; null when nobody holds it. */
export async function lastHeardFrom(q: Queryable, id: number): Promise<string | null> {
  const row = await q.selectFrom('deployments').select(['lease_owner', 'heartbeat_at']).where('id', '=', id).executeTakeFirst();
  return row?.lease_owner ? row.heartbeat_at : null;
}

/** A `cleanup --stale` duration that takes in a deployment this old: its age in its largest whole unit, rounded down. */
export function staleAge(ageMs: number): string {
  const seconds = Math.max(0, Math.floor(ageMs / 1_000));
  if (seconds >= 3_600) return `${Math.floor(seconds / 3_600)}h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m`;
  return `${seconds}s`;
}
