import type { ImportedDeployment } from '../../deployment/imported.js';
import type { HelmRevision } from './release-record.js';

/**
 * Where one revision of a release stands, by Helm's status inside its record:
 * - `waiting`: Helm is still at it (`pending-*`, `pending` true: the release is locked meanwhile), or says nothing yet (`unknown`);
 * - `deployed`: Helm is done; the release's workloads decide the outcome;
 * - `success`: deployed, then superseded by a later revision, whose workloads are no longer this revision's;
 * - `failed`: Helm failed it (its description says why), or it was uninstalled, or its record is gone.
 */
export type RevisionVerdict =
  | { state: 'waiting'; message: string; pending: boolean }
  | { state: 'deployed' | 'success' | 'failed'; message: string };

const pendingStatuses = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);

/** Whether Helm holds the release locked by this status: an upgrade, rollback or install under way, or killed half-way. */
export function isPending(status: string): boolean {
  return pendingStatuses.has(status);
}

/** What a followed revision's record says of its outcome; `deleted` when the record is no longer there. */
export function revisionVerdict(observed: HelmRevision | 'deleted', revision: number): RevisionVerdict {
  if (observed === 'deleted') return { state: 'failed', message: `Helm's record of revision ${revision} is gone (deleted, or pruned by --history-max)` };
  const said = `revision ${observed.revision} ${observed.status}${observed.description ? ` (${observed.description})` : ''}`;
  switch (observed.status) {
    case 'deployed':
      return { state: 'deployed', message: said };
    case 'superseded':
      return { state: 'success', message: `${said}: it was deployed, and a later revision has replaced it since` };
    case 'failed':
      return { state: 'failed', message: observed.description || `revision ${observed.revision} failed` };
    case 'uninstalling':
    case 'uninstalled':
      return { state: 'failed', message: `${said}: the release was uninstalled` };
    default:
      return { state: 'waiting', message: said, pending: isPending(observed.status) };
  }
}

/**
 * A stored revision as an imported record's status: what ran (`deployed`, `superseded`, and `uninstalled`, which
 * ran until it was uninstalled) succeeded, `failed` failed, and one Helm never saw end (`pending-*`,
 * `uninstalling`) is `stale`. Undefined for `unknown` or a word Helm does not write: nothing to import.
 */
export function importedStatus(status: string): ImportedDeployment['status'] | undefined {
  if (status === 'deployed' || status === 'superseded' || status === 'uninstalled') return 'success';
  if (status === 'failed') return 'failed';
  if (isPending(status) || status === 'uninstalling') return 'stale';
  return undefined;
}
