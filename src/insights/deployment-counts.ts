import type { DeliveryCounts } from '../db/delivery-counts.js';

/** How a set of deployments ended: what `stats` and `report` print above DORA's keys. */
export interface DeploymentCounts {
  total: number;
  success: number;
  failed: number;
  cancelled: number;
  /** Not final: still active, or unresolved (timeout, stale). */
  unresolved: number;
  rollbacks: number;
}

export function deploymentCounts(counts: DeliveryCounts): DeploymentCounts {
  const { total, success, failed, cancelled, rollbacks } = counts;
  return { total, success, failed, cancelled, unresolved: total - success - failed - cancelled, rollbacks };
}
