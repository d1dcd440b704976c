import type { KubeCluster } from '../kubernetes/cluster.js';
import type { WorkloadRef } from '../kubernetes/workload.js';
import { manifestWorkloads } from './manifest-workloads.js';
import { pendingLockAdvice } from './pending-lock.js';
import type { HelmRecords } from './release-api.js';
import { revisionVerdict } from './release-status.js';
import type { HelmTarget } from './target.js';
import { workloadsVerdict } from './workloads.js';

/** How a recorded revision stands now, read from Helm's record and, once Helm has deployed it, its workloads. */
export interface RevisionOutcome {
  state: 'waiting' | 'success' | 'failed';
  message: string;
  /** Helm's status while it holds the release locked (`pending-upgrade`, …). */
  pendingStatus?: string;
  /** What Helm says of the revision now, to keep on the record. */
  helm?: { helmStatus: string; description: string };
  /** The workloads of the revision's manifest, once read: the next reading need not parse it again. */
  workloads?: WorkloadRef[];
}

/** One reading of a revision's outcome: Helm's status first, then the manifest's workloads by kubectl's rules. */
export async function readRevisionOutcome(
  records: HelmRecords,
  cluster: KubeCluster,
  target: HelmTarget & { revision: number },
  known?: WorkloadRef[],
): Promise<RevisionOutcome> {
  const { namespace, release, revision, driver } = target;
  const stored = await records.revision(namespace, release, revision, driver);
  const verdict = revisionVerdict(stored === 'deleted' ? 'deleted' : stored.revision, revision);
  const helm = stored === 'deleted' ? undefined : { helmStatus: stored.revision.status, description: stored.revision.description };
  if (verdict.state === 'waiting') return { state: 'waiting', message: `Helm: ${verdict.message}`, pendingStatus: verdict.pending ? helm?.helmStatus : undefined, helm };
  if (verdict.state !== 'deployed' || stored === 'deleted') return { state: verdict.state === 'deployed' ? 'failed' : verdict.state, message: `Helm: ${verdict.message}`, helm };
  const workloads = known ?? manifestWorkloads(stored.revision.manifest, namespace);
  const rolled = await workloadsVerdict(cluster, workloads);
  const message = `Helm: ${verdict.message}; ${rolled.message}`;
  return { state: rolled.state === 'complete' ? 'success' : rolled.state, message, helm, workloads };
}

/** How to release Helm's lock on a release whose revision is pending, naming the newest revision before it that ran. */
export async function lockAdvice(records: HelmRecords, target: HelmTarget & { revision: number }, status: string): Promise<string> {
  const { namespace, release, revision, driver } = target;
  const history = await records.history(namespace, release).catch(() => undefined);
  const good = history?.revisions.filter((r) => r.revision.revision < revision && (r.revision.status === 'deployed' || r.revision.status === 'superseded')).at(-1);
  return pendingLockAdvice({ namespace, release, revision, status, driver: driver ?? 'secret', lastGood: good?.revision.revision });
}
