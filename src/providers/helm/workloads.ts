import { EnvironmentError } from '../../errors.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import { rolloutVerdict } from '../kubernetes/rollout-status.js';
import type { ReleaseWorkload } from './manifest-workloads.js';

/** How a release's workloads stand together: the first failure, else the first still waiting, else all rolled out. */
export interface WorkloadsVerdict {
  state: 'waiting' | 'complete' | 'failed';
  message: string;
}

/**
 * Reads each workload of a release once and judges its roll-out by kubectl's rules for its kind. A workload that
 * is not there (deleted, or never created) has failed, as in `track`.
 */
export async function workloadsVerdict(cluster: KubeCluster, workloads: readonly ReleaseWorkload[]): Promise<WorkloadsVerdict> {
  const waiting: string[] = [];
  const rolledOut: string[] = [];
  const unchecked: string[] = [];
  for (const workload of workloads) {
    const where = `${workload.kind} ${workload.namespace}/${workload.name}`;
    if (workload.kind !== 'Deployment') {
      unchecked.push(where);
      continue;
    }
    const observed = await cluster.readDeployment(workload.namespace, workload.name).catch((error: unknown) => {
      if (error instanceof EnvironmentError && error.code === 'k8s_not_found') return 'deleted' as const;
      throw error;
    });
    const verdict = rolloutVerdict(observed);
    if (verdict.state === 'failed') return { state: 'failed', message: `${where}: ${verdict.message}` };
    if (verdict.state === 'waiting') waiting.push(`${where}: ${verdict.message}`);
    else rolledOut.push(where);
  }
  if (waiting.length > 0) return { state: 'waiting', message: waiting[0]! + (waiting.length > 1 ? ` (and ${waiting.length - 1} more waiting)` : '') };
  const done = rolledOut.length === 0 ? 'no workload to wait for' : `rolled out: ${rolledOut.join(', ')}`;
  return { state: 'complete', message: unchecked.length === 0 ? done : `${done}; not followed here: ${unchecked.join(', ')}` };
}
