/**
 * The contract's status machine, as data. Every status change in shiplog asks `canTransition` first and
 * is then applied as a compare-and-set against the status it was read in (db/transition.ts).
 *
 *   pending -> running -> success | failed | cancelled   (final: never changed again)
 *              running -> timeout | stale                 (unresolved: reconcilable to a final status)
 *   pending -> stale                                      (its creator died before it was seen to start)
 *
 * A pending record whose creator is gone may have reached its provider before the process died, so it becomes
 * `stale` (unknown), never `cancelled`, which would be a guess; `cancelled` is for a creator that handled the
 * signal itself before the start.
 */
export const statuses = ['pending', 'running', 'success', 'failed', 'cancelled', 'timeout', 'stale'] as const;
export type Status = (typeof statuses)[number];

export const finalStatuses: readonly Status[] = ['success', 'failed', 'cancelled'];
export const activeStatuses: readonly Status[] = ['pending', 'running'];
export const unresolvedStatuses: readonly Status[] = ['timeout', 'stale'];
/** Not final yet: active or unresolved, what a follower may still settle. */
export const unsettledStatuses: readonly Status[] = [...activeStatuses, ...unresolvedStatuses];

/**
 * Where the change came from, as the contract names it; `import` writes and settles records another tool's history
 * holds; `integration` notes what an outbound call about a status change (a notification, GitHub, Grafana) could not do.
 */
export type EventSource = 'cli' | 'command' | 'watch' | 'poll' | 'reconcile' | 'cleanup' | 'import' | 'integration';

const allowed: Record<Status, readonly Status[]> = {
  pending: ['running', 'success', 'failed', 'cancelled', 'stale'],
  running: ['success', 'failed', 'cancelled', 'timeout', 'stale'],
  timeout: ['success', 'failed', 'cancelled', 'stale'],
  stale: ['success', 'failed', 'cancelled'],
  success: [],
  failed: [],
  cancelled: [],
};

export function isStatus(value: string): value is Status {
  return (statuses as readonly string[]).includes(value);
}

export function isFinal(status: Status): boolean {
  return finalStatuses.includes(status);
}

export function isActive(status: Status): boolean {
  return activeStatuses.includes(status);
}

export function canTransition(from: Status, to: Status): boolean {
  return allowed[from].includes(to);
}

/** Ranks how settled a status is; cleanup keeps the most final of a set of duplicates. */
export function finality(status: Status): number {
  if (isFinal(status)) return 3;
  if (unresolvedStatuses.includes(status)) return 2;
  return status === 'running' ? 1 : 0;
}
