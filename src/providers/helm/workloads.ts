import { EnvironmentError } from '../../errors.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import { describeWorkload, workloadVerdict, type WorkloadRef } from '../kubernetes/workload.js';

/** How a release's workloads stand together: the first failure, else the first still waiting, else all rolled out. */
export interface WorkloadsVerdict {
  state: 'waiting' | 'complete' | 'failed';
  message: string;
}

/**
 * Reads each workload of a release once and judges its roll-out by kubectl's rules for its kind. A workload that
 * is not there (deleted since Helm applied it) has failed, as in `track`.
 */
export async function workloadsVerdict(cluster: KubeCluster, workloads: readonly WorkloadRef[]): Promise<WorkloadsVerdict> {
  const waiting: string[] = [];
  const rolledOut: string[] = [];
  for (const workload of workloads) {
    const where = describeWorkload(workload);
    const observed = await cluster.readWorkload(workload).catch((error: unknown) => {
      if (error instanceof EnvironmentError && error.code === 'k8s_not_found') return 'deleted' as const;
      throw error;
    });
    const verdict = workloadVerdict(workload.kind, observed);
    if (verdict.state === 'failed') return { state: 'failed', message: `${where}: ${verdict.message}` };
    if (verdict.state === 'waiting') waiting.push(`${where}: ${verdict.message}`);
    else rolledOut.push(where);
  }
  if (waiting.length > 0) return { state: 'waiting', message: waiting[0]! + (waiting.length > 1 ? ` (and ${waiting.length - 1} more waiting)` : '') };
  return { state: 'complete', message: rolledOut.length === 0 ? 'no workload to wait for' : `rolled out: ${rolledOut.join(', ')}` };
}
