import type { DeploymentOutcome } from '../db/outcomes.js';

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

export function countOutcomes(outcomes: readonly DeploymentOutcome[]): DeploymentCounts {
  const count = (status: string) => outcomes.filter((d) => d.status === status).length;
  return {
    total: outcomes.length,
    success: count('success'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    unresolved: outcomes.length - count('success') - count('failed') - count('cancelled'),
    rollbacks: outcomes.filter((d) => d.isRollback).length,
  };
}
