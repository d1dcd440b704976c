import { describe, expect, it } from 'vitest';
import { rolloutVerdict, type DeploymentCondition, type DeploymentSnapshot } from '../src/providers/kubernetes/rollout-status.js';

const progressing = (status: string, reason: string, message?: string): DeploymentCondition => ({ type: 'Progressing', status, reason, message });

function deployment(parts: {
  generation?: number;
  observed?: number;
  wanted?: number;
  replicas?: number;
  updated?: number;
  available?: number;
  paused?: boolean;
  conditions?: DeploymentCondition[];
}): DeploymentSnapshot {
  return {
    metadata: { name: 'web', generation: parts.generation ?? 2 },
    spec: { replicas: parts.wanted, paused: parts.paused },
    status: {
      observedGeneration: parts.observed ?? 2,
      replicas: parts.replicas,
      updatedReplicas: parts.updated,
      availableReplicas: parts.available,
      conditions: parts.conditions,
    },
  };
}

describe('a rollout verdict follows kubectl rollout status, in its order', () => {
  const cases: [string, DeploymentSnapshot | 'deleted', number | undefined, string, string][] = [
    ['a spec change the controller has not observed yet is waited for', deployment({ generation: 3, observed: 2, wanted: 3, replicas: 3, updated: 3, available: 3 }), undefined, 'waiting', 'Waiting for deployment spec update to be observed...'],
    [
      'an object older than the generation shiplog produced is not the rollout yet',
      deployment({ generation: 2, observed: 2, wanted: 3, replicas: 3, updated: 3, available: 3 }),
      3,
      'waiting',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'the spec check comes before the deadline: an unobserved change is not failed by the old deadline',
      deployment({ generation: 3, observed: 2, conditions: [progressing('False', 'ProgressDeadlineExceeded')] }),
      undefined,
      'waiting',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'a rollout that exceeds its progress deadline ends failed',
      deployment({ wanted: 3, replicas: 4, updated: 1, available: 3, conditions: [progressing('False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-2" has timed out progressing.')] }),
      undefined,
      'failed',
      'deployment "web" exceeded its progress deadline: ReplicaSet "web-2" has timed out progressing.',
    ],
    [
      'the deadline wins over complete-looking replica counts, as in kubectl',
      deployment({ wanted: 1, replicas: 1, updated: 1, available: 1, conditions: [progressing('False', 'ProgressDeadlineExceeded')] }),
      undefined,
      'failed',
      'deployment "web" exceeded its progress deadline',
    ],
    [
      'Progressing=False for another reason is waited through, as kubectl waits, and named while it lasts',
      deployment({ wanted: 2, replicas: 2, updated: 0, available: 2, conditions: [progressing('False', 'ReplicaSetCreateError', 'quota exceeded')] }),
      undefined,
      'waiting',
      'Waiting for deployment "web" rollout to finish: 0 out of 2 new replicas have been updated... (not progressing: ReplicaSetCreateError: quota exceeded)',
    ],
    [
      'Progressing=False for another reason with every replica updated and available is complete, as in kubectl',
      deployment({ wanted: 2, replicas: 2, updated: 2, available: 2, conditions: [progressing('False', 'ReplicaSetCreateError', 'quota exceeded')] }),
      undefined,
      'complete',
      'deployment "web" successfully rolled out',
    ],
    ['new replicas still being updated are waited for', deployment({ wanted: 3, replicas: 4, updated: 1, available: 3, conditions: [progressing('True', 'ReplicaSetUpdated')] }), undefined, 'waiting', 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'],
    ['old replicas pending termination are waited for', deployment({ wanted: 3, replicas: 4, updated: 3, available: 3 }), undefined, 'waiting', 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'],
    ['updated replicas not yet available are waited for', deployment({ wanted: 3, replicas: 3, updated: 3, available: 2 }), undefined, 'waiting', 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...'],
    ['every replica updated and available is complete', deployment({ wanted: 3, replicas: 3, updated: 3, available: 3, conditions: [progressing('True', 'NewReplicaSetAvailable')] }), undefined, 'complete', 'deployment "web" successfully rolled out'],
    ['a Deployment without spec.replicas skips the updated check, as kubectl does', deployment({ replicas: 1, updated: 1, available: 1 }), undefined, 'complete', 'deployment "web" successfully rolled out'],
    ['a Deployment scaled to zero is complete at once', deployment({ wanted: 0, replicas: 0, updated: 0, available: 0 }), undefined, 'complete', 'deployment "web" successfully rolled out'],
    ['a status the controller has not written yet is waited for', { metadata: { name: 'web', generation: 1 }, spec: { replicas: 1 } }, undefined, 'waiting', 'Waiting for deployment spec update to be observed...'],
    ['a paused rollout says so while it waits', deployment({ wanted: 2, replicas: 3, updated: 1, available: 2, paused: true, conditions: [progressing('Unknown', 'DeploymentPaused')] }), undefined, 'waiting', 'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated... (paused)'],
    ['a Deployment deleted while its rollout is followed has failed', 'deleted', 2, 'failed', 'the Deployment was deleted while its rollout was followed'],
  ];

  it.each(cases)('%s', (_name, observed, waitFor, state, message) => {
    expect(rolloutVerdict(observed, waitFor)).toEqual({ state, message });
  });
});
