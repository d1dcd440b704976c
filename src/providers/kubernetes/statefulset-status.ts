import type { RolloutVerdict } from './rollout-status.js';

/** The parts of a StatefulSet that `kubectl rollout status` reads; the client's `V1StatefulSet` fits it. */
export interface StatefulSetSnapshot {
  metadata?: { name?: string; generation?: number };
  spec?: {
    replicas?: number;
    /** `maxUnavailable` is not read; it is named so a DaemonSet's rollingUpdate fits the combined snapshot. */
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: unknown } };
  };
  status?: {
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** kubectl's reason for refusing a workload whose pods change only when someone deletes them (`OnDelete`). */
export const onlyRollingUpdate = 'rollout status is only available for RollingUpdate strategy type';

/**
 * kubectl's StatefulSetStatusViewer, rule for rule and word for word (without its trailing newline). A StatefulSet
 * never fails by kubectl's rules: it waits until its pods are ready and updated, or is refused outright when its
 * update strategy is not RollingUpdate (kubectl's error, here `failed`, since nothing would ever end the wait).
 *
 * The API server fills `rollingUpdate: {partition: 0}` when a StatefulSet names no strategy, so almost every
 * StatefulSet takes the partition branch; the revision comparison is reached only when `type: RollingUpdate` is
 * given without `rollingUpdate`. `waitFor`: the generation shiplog's change produced, as for a Deployment.
 */
export function statefulSetVerdict(observed: StatefulSetSnapshot, waitFor?: number): RolloutVerdict {
  const strategy = observed.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') return { state: 'failed', message: onlyRollingUpdate };
  const status = observed.status ?? {};
  const observedGeneration = status.observedGeneration ?? 0;
  const generation = Math.max(observed.metadata?.generation ?? 0, waitFor ?? 0);
  if (observedGeneration === 0 || generation > observedGeneration) {
    return { state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' };
  }
  const replicas = observed.spec?.replicas;
  const { readyReplicas = 0, updatedReplicas = 0, currentReplicas = 0 } = status;
  if (replicas !== undefined && readyReplicas < replicas) {
    return { state: 'waiting', message: `Waiting for ${replicas - readyReplicas} pods to be ready...` };
  }
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updatedReplicas < replicas - partition) {
      return { state: 'waiting', message: `Waiting for partitioned roll out to finish: ${updatedReplicas} out of ${replicas - partition} new pods have been updated...` };
    }
    return { state: 'complete', message: `partitioned roll out complete: ${updatedReplicas} new pods have been updated...` };
  }
  if (status.updateRevision !== status.currentRevision) {
    return { state: 'waiting', message: `waiting for statefulset rolling update to complete ${updatedReplicas} pods at revision ${status.updateRevision ?? ''}...` };
  }
  return { state: 'complete', message: `statefulset rolling update complete ${currentReplicas} pods at revision ${status.currentRevision ?? ''}...` };
}
