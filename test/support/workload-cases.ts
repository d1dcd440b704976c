import type { WorkloadKind } from '../../src/providers/kubernetes/workload.js';

/**
 * Rollout states of Deployments, StatefulSets and DaemonSets as the API server serves them (its defaults applied), each with
 * the verdict `kubectl rollout status --watch=false` gives, in kubectl's words: read from its status viewers
 * (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go). The pure table test and the comparison with the
 * real kubectl both read these, so they cannot drift apart.
 */
export interface WorkloadCase {
  name: string;
  kind: WorkloadKind;
  object: ServedWorkload;
  state: 'waiting' | 'complete' | 'failed';
  /** kubectl's words. */
  message: string;
  /** What shiplog says after them that kubectl does not (the Progressing condition's own message). */
  adds?: string;
}

/** The verdict shiplog gives for a case: kubectl's, with what shiplog adds. */
export function shiplogVerdict(c: WorkloadCase): { state: WorkloadCase['state']; message: string } {
  return { state: c.state, message: c.message + (c.adds ?? '') };
}

export interface ServedWorkload {
  apiVersion: 'apps/v1';
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  metadata: { name: string; namespace: string; uid: string; generation: number; resourceVersion: string; creationTimestamp: string };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
}

const onlyRollingUpdate = 'rollout status is only available for RollingUpdate strategy type';

function podTemplate(name: string): Record<string, unknown> {
  return {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `registry.example/${name}:2.0.0` }] } },
  };
}

function metadata(name: string, generation: number): ServedWorkload['metadata'] {
  return { name, namespace: 'prod', uid: `uid-${name}`, generation, resourceVersion: '1', creationTimestamp: '2026-12-01T00:00:00Z' };
}

/** A Deployment `web`, with the conditions the deployment controller writes. */
function deployment(parts: { generation?: number; observed?: number; wanted?: number; replicas?: number; updated?: number; available?: number; deadline?: boolean }): ServedWorkload {
  const wanted = parts.wanted ?? 3;
  const at = '2026-12-01T00:00:00Z';
  const progressing = parts.deadline
    ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-2" has timed out progressing.', lastUpdateTime: at, lastTransitionTime: at }
    : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-2" is progressing.', lastUpdateTime: at, lastTransitionTime: at };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata('web', parts.generation ?? 2),
    spec: { replicas: wanted, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, ...podTemplate('web') },
    status: {
      observedGeneration: parts.observed ?? 2,
      replicas: parts.replicas ?? wanted,
      updatedReplicas: parts.updated ?? wanted,
      readyReplicas: parts.available ?? wanted,
      availableReplicas: parts.available ?? wanted,
      conditions: [progressing],
    },
  };
}

/** A StatefulSet `db`; `strategy` as served (the API fills `rollingUpdate: {partition: 0}` when none is named). */
function statefulSet(parts: {
  generation?: number;
  observed?: number;
  replicas?: number;
  ready?: number;
  updated?: number;
  current?: number;
  currentRevision?: string;
  updateRevision?: string;
  strategy?: Record<string, unknown>;
}): ServedWorkload {
  const replicas = parts.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata('db', parts.generation ?? 2),
    spec: { replicas, serviceName: 'db', podManagementPolicy: 'OrderedReady', updateStrategy: parts.strategy ?? { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, ...podTemplate('db') },
    status: {
      observedGeneration: parts.observed ?? 2,
      replicas,
      readyReplicas: parts.ready ?? replicas,
      availableReplicas: parts.ready ?? replicas,
      currentReplicas: parts.current ?? replicas,
      updatedReplicas: parts.updated ?? replicas,
      currentRevision: parts.currentRevision ?? 'db-7d9f',
      updateRevision: parts.updateRevision ?? 'db-7d9f',
    },
  };
}

/** A DaemonSet `agent` on `desired` nodes. */
function daemonSet(parts: { generation?: number; observed?: number; desired?: number; updated?: number; available?: number; strategy?: Record<string, unknown> }): ServedWorkload {
  const desired = parts.desired ?? 3;
  const available = parts.available ?? desired;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata('agent', parts.generation ?? 2),
    spec: { updateStrategy: parts.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, ...podTemplate('agent') },
    status: {
      observedGeneration: parts.observed ?? 2,
      currentNumberScheduled: desired,
      desiredNumberScheduled: desired,
      numberMisscheduled: 0,
      numberReady: available,
      numberAvailable: available,
      numberUnavailable: desired - available,
      updatedNumberScheduled: parts.updated ?? desired,
    },
  };
}

export const deploymentCases: WorkloadCase[] = [
  { name: 'a spec change not yet observed waits', kind: 'deployment', object: deployment({ generation: 3, observed: 2 }), state: 'waiting', message: 'Waiting for deployment spec update to be observed...' },
  {
    name: 'a rollout past its progress deadline has failed, whatever the replica counts',
    kind: 'deployment',
    object: deployment({ deadline: true }),
    state: 'failed',
    message: 'deployment "web" exceeded its progress deadline',
    adds: ': ReplicaSet "web-2" has timed out progressing.',
  },
  {
    name: 'new replicas still being updated are waited for',
    kind: 'deployment',
    object: deployment({ replicas: 4, updated: 1 }),
    state: 'waiting',
    message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
  },
  {
    name: 'old replicas pending termination are waited for',
    kind: 'deployment',
    object: deployment({ replicas: 4 }),
    state: 'waiting',
    message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
  },
  {
    name: 'updated replicas not yet available are waited for',
    kind: 'deployment',
    object: deployment({ available: 2 }),
    state: 'waiting',
    message: 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
  },
  { name: 'every replica updated and available is complete', kind: 'deployment', object: deployment({}), state: 'complete', message: 'deployment "web" successfully rolled out' },
  { name: 'a Deployment scaled to zero is complete at once', kind: 'deployment', object: deployment({ wanted: 0 }), state: 'complete', message: 'deployment "web" successfully rolled out' },
];

export const statefulSetCases: WorkloadCase[] = [
  { name: 'an OnDelete StatefulSet is refused', kind: 'statefulset', object: statefulSet({ strategy: { type: 'OnDelete' } }), state: 'failed', message: onlyRollingUpdate },
  { name: 'a StatefulSet the controller has never observed waits', kind: 'statefulset', object: statefulSet({ generation: 1, observed: 0 }), state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' },
  { name: 'a spec change not yet observed waits', kind: 'statefulset', object: statefulSet({ generation: 3, observed: 2 }), state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' },
  { name: 'pods not ready are waited for, before any update count', kind: 'statefulset', object: statefulSet({ ready: 1, updated: 0 }), state: 'waiting', message: 'Waiting for 2 pods to be ready...' },
  {
    name: 'a rolling update with partition 0 waits for every pod to be updated',
    kind: 'statefulset',
    object: statefulSet({ updated: 1, current: 2, updateRevision: 'db-8a1c' }),
    state: 'waiting',
    message: 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...',
  },
  {
    name: 'a partitioned roll out waits for the pods at or above the partition',
    kind: 'statefulset',
    object: statefulSet({ updated: 1, current: 2, updateRevision: 'db-8a1c', strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }),
    state: 'waiting',
    message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
  },
  {
    name: 'a partitioned roll out is complete once the pods above the partition are updated, the others left old',
    kind: 'statefulset',
    object: statefulSet({ updated: 1, current: 2, updateRevision: 'db-8a1c', strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
    state: 'complete',
    message: 'partitioned roll out complete: 1 new pods have been updated...',
  },
  {
    name: 'every pod updated and ready is complete, in the partitioned words, even before the revisions agree',
    kind: 'statefulset',
    object: statefulSet({ updated: 3, current: 0, updateRevision: 'db-8a1c' }),
    state: 'complete',
    message: 'partitioned roll out complete: 3 new pods have been updated...',
  },
  {
    name: 'without rollingUpdate, a revision still rolling out waits',
    kind: 'statefulset',
    object: statefulSet({ updated: 2, current: 1, updateRevision: 'db-8a1c', strategy: { type: 'RollingUpdate' } }),
    state: 'waiting',
    message: 'waiting for statefulset rolling update to complete 2 pods at revision db-8a1c...',
  },
  {
    name: 'without rollingUpdate, the current revision reaching the update revision is complete',
    kind: 'statefulset',
    object: statefulSet({ strategy: { type: 'RollingUpdate' } }),
    state: 'complete',
    message: 'statefulset rolling update complete 3 pods at revision db-7d9f...',
  },
  { name: 'a StatefulSet scaled to zero is complete at once', kind: 'statefulset', object: statefulSet({ replicas: 0 }), state: 'complete', message: 'partitioned roll out complete: 0 new pods have been updated...' },
];

export const daemonSetCases: WorkloadCase[] = [
  { name: 'an OnDelete DaemonSet is refused', kind: 'daemonset', object: daemonSet({ strategy: { type: 'OnDelete' } }), state: 'failed', message: onlyRollingUpdate },
  { name: 'a spec change not yet observed waits', kind: 'daemonset', object: daemonSet({ generation: 3, observed: 2 }), state: 'waiting', message: 'Waiting for daemon set spec update to be observed...' },
  {
    name: 'nodes still running an old pod are waited for',
    kind: 'daemonset',
    object: daemonSet({ updated: 1, available: 2 }),
    state: 'waiting',
    message: 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...',
  },
  {
    name: 'updated pods not yet available are waited for',
    kind: 'daemonset',
    object: daemonSet({ available: 2 }),
    state: 'waiting',
    message: 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...',
  },
  {
    name: 'maxUnavailable plays no part: one pod unavailable within it still waits',
    kind: 'daemonset',
    object: daemonSet({ desired: 4, available: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } } }),
    state: 'waiting',
    message: 'Waiting for daemon set "agent" rollout to finish: 3 of 4 updated pods are available...',
  },
  { name: 'every node updated and available is complete', kind: 'daemonset', object: daemonSet({}), state: 'complete', message: 'daemon set "agent" successfully rolled out' },
  { name: 'a DaemonSet no node should run is complete at once', kind: 'daemonset', object: daemonSet({ desired: 0 }), state: 'complete', message: 'daemon set "agent" successfully rolled out' },
];
