import { describe, expect, it } from 'vitest';
import { parseWorkloadRef, unfollowableReason, workloadVerdict, type WorkloadSnapshot } from '../src/providers/kubernetes/workload.js';
import { daemonSetCases, deploymentCases, shiplogVerdict, statefulSetCases } from './support/workload-cases.js';

describe('a StatefulSet rollout is judged by kubectl rollout status, rule for rule and word for word', () => {
  it.each(statefulSetCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(workloadVerdict('statefulset', c.object as WorkloadSnapshot)).toEqual(shiplogVerdict(c));
  });

  it('a state older than the generation shiplog produced is not the rollout yet', () => {
    const complete = statefulSetCases.find((c) => c.state === 'complete')!.object as WorkloadSnapshot;
    expect(workloadVerdict('statefulset', complete, 3)).toEqual({ state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' });
  });

  it('a StatefulSet deleted while its rollout is followed has failed', () => {
    expect(workloadVerdict('statefulset', 'deleted', 2)).toEqual({ state: 'failed', message: 'the StatefulSet was deleted while its rollout was followed' });
  });
});

describe('a DaemonSet rollout is judged by kubectl rollout status, rule for rule and word for word', () => {
  it.each(daemonSetCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(workloadVerdict('daemonset', c.object as WorkloadSnapshot)).toEqual(shiplogVerdict(c));
  });

  it('a state older than the generation shiplog produced is not the rollout yet', () => {
    const complete = daemonSetCases.find((c) => c.state === 'complete')!.object as WorkloadSnapshot;
    expect(workloadVerdict('daemonset', complete, 3)).toEqual({ state: 'waiting', message: 'Waiting for daemon set spec update to be observed...' });
  });

  it('a DaemonSet deleted while its rollout is followed has failed', () => {
    expect(workloadVerdict('daemonset', 'deleted', 2)).toEqual({ state: 'failed', message: 'the DaemonSet was deleted while its rollout was followed' });
  });
});

describe('a Deployment rollout is judged by kubectl rollout status, in its words', () => {
  it.each(deploymentCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(workloadVerdict('deployment', c.object as WorkloadSnapshot)).toEqual(shiplogVerdict(c));
  });
});

describe('an OnDelete update strategy is refused before anything is changed, with kubectl reason', () => {
  it.each([
    ['statefulset', { spec: { updateStrategy: { type: 'OnDelete' } } }, 'rollout status is only available for RollingUpdate strategy type (its updateStrategy is OnDelete)'],
    ['daemonset', { spec: { updateStrategy: { type: 'OnDelete' } } }, 'rollout status is only available for RollingUpdate strategy type (its updateStrategy is OnDelete)'],
    ['statefulset', { spec: { updateStrategy: { type: 'RollingUpdate' } } }, undefined],
    ['deployment', { spec: { strategy: { type: 'Recreate' } } }, undefined],
  ] as const)('%s with %j', (kind, observed, reason) => {
    expect(unfollowableReason(kind, observed as WorkloadSnapshot)).toBe(reason);
  });
});

describe('--k8s names a workload as NAMESPACE/NAME or NAMESPACE/KIND/NAME', () => {
  it.each([
    ['prod/web', { kind: 'deployment', namespace: 'prod', name: 'web' }],
    ['prod/deployment/web', { kind: 'deployment', namespace: 'prod', name: 'web' }],
    ['prod/deploy/web', { kind: 'deployment', namespace: 'prod', name: 'web' }],
    ['prod/statefulset/db', { kind: 'statefulset', namespace: 'prod', name: 'db' }],
    ['prod/sts/db', { kind: 'statefulset', namespace: 'prod', name: 'db' }],
    ['prod/StatefulSets/db', { kind: 'statefulset', namespace: 'prod', name: 'db' }],
    ['kube-system/daemonset/node-agent', { kind: 'daemonset', namespace: 'kube-system', name: 'node-agent' }],
    ['kube-system/ds/node-agent', { kind: 'daemonset', namespace: 'kube-system', name: 'node-agent' }],
  ] as const)('%s', (value, ref) => {
    expect(parseWorkloadRef(value)).toEqual(ref);
  });

  it.each([
    ['prod', "is not NAMESPACE/NAME or NAMESPACE/KIND/NAME"],
    ['prod/sts/db/x', "is not NAMESPACE/NAME or NAMESPACE/KIND/NAME"],
    ['prod/job/migrate', "names the kind 'job', which kubectl rollout status does not follow"],
    ['prod/replicaset/web', "names the kind 'replicaset', which kubectl rollout status does not follow"],
    ['Prod/sts/db', "has the namespace 'Prod', which is not a lower-case DNS label"],
    ['prod/sts/', "has the name '', which is not a lower-case DNS name"],
    ['prod/sts/DB', "has the name 'DB', which is not a lower-case DNS name"],
  ])('%s is refused, exit 2', (value, why) => {
    expect(() => parseWorkloadRef(value)).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: `--k8s: '${value}' ${why}; write NAMESPACE/NAME for a Deployment or NAMESPACE/KIND/NAME, KIND one of deployment, statefulset, daemonset (or deploy, sts, ds), e.g. prod/sts/db`,
      }),
    );
  });
});
