import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KubeCluster } from '../src/providers/kubernetes/cluster.js';
import { followWorkloads } from '../src/providers/kubernetes/follow-workloads.js';
import { loadKubeAccess } from '../src/providers/kubernetes/kubeconfig.js';
import { watchTuning } from '../src/providers/kubernetes/watch-tuning.js';
import { kubeTuning, startFakeCluster, type FakeCluster } from './support/kubernetes.js';

let dir: string;
let fake: FakeCluster;
let cluster: KubeCluster;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shiplog-follow-workloads-'));
  fake = await startFakeCluster(dir, { stepMs: 20 });
  cluster = new KubeCluster(loadKubeAccess({ kubeconfig: fake.kubeconfig }));
  fake.api.addDeployment('prod', 'web', { replicas: 2 });
  fake.api.addStatefulSet('prod', 'db', { replicas: 2 });
  fake.api.addDaemonSet('prod', 'agent', { nodes: 2 });
});

afterEach(async () => {
  cluster.close();
  await fake.api.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a release upgrade does to its workloads: a new image on each, a new generation to wait for. */
function upgrade(): { web: number; db: number; agent: number } {
  return {
    web: fake.api.setImage('prod', 'web', 'web', 'web:2').metadata.generation,
    db: fake.api.setImage('prod', 'db', 'db', 'db:2', 'statefulset').metadata.generation,
    agent: fake.api.setImage('prod', 'agent', 'agent', 'agent:2', 'daemonset').metadata.generation,
  };
}

it('follows a Deployment, a StatefulSet and a DaemonSet to complete, each by its own kubectl rules, hearing the waits on the way', async () => {
  const generations = upgrade();
  const heard: string[] = [];
  const verdicts = await followWorkloads(
    cluster,
    [
      { ref: { kind: 'deployment', namespace: 'prod', name: 'web' }, waitFor: generations.web },
      { ref: { kind: 'statefulset', namespace: 'prod', name: 'db' }, waitFor: generations.db },
      { ref: { kind: 'daemonset', namespace: 'prod', name: 'agent' }, waitFor: generations.agent },
    ],
    { tuning: watchTuning(kubeTuning), onVerdict: (ref, verdict) => heard.push(`${ref.kind} ${verdict.state}`) },
  );

  expect(verdicts).toEqual([
    { state: 'complete', message: 'deployment "web" successfully rolled out' },
    { state: 'complete', message: 'partitioned roll out complete: 2 new pods have been updated...' },
    { state: 'complete', message: 'daemon set "agent" successfully rolled out' },
  ]);
  expect(heard).toContain('statefulset waiting');
  expect(new Set(fake.api.listRequests('prod').map((r) => r.path))).toEqual(
    new Set(['/apis/apps/v1/namespaces/prod/deployments', '/apis/apps/v1/namespaces/prod/statefulsets', '/apis/apps/v1/namespaces/prod/daemonsets']),
  );
});

it('a workload deleted mid-rollout is failed while the others still complete; an abort returns what was last seen', async () => {
  fake.api.behave('prod', 'agent', 'delete', 'daemonset');
  const generations = upgrade();
  const verdicts = await followWorkloads(
    cluster,
    [
      { ref: { kind: 'statefulset', namespace: 'prod', name: 'db' }, waitFor: generations.db },
      { ref: { kind: 'daemonset', namespace: 'prod', name: 'agent' }, waitFor: generations.agent },
    ],
    { tuning: watchTuning(kubeTuning) },
  );
  expect(verdicts).toEqual([
    { state: 'complete', message: 'partitioned roll out complete: 2 new pods have been updated...' },
    { state: 'failed', message: 'the DaemonSet was deleted while its rollout was followed' },
  ]);

  fake.api.behave('prod', 'db', 'manual', 'statefulset');
  const next = fake.api.setImage('prod', 'db', 'db', 'db:3', 'statefulset').metadata.generation;
  const stop = new AbortController();
  const following = followWorkloads(cluster, [{ ref: { kind: 'statefulset', namespace: 'prod', name: 'db' }, waitFor: next }], {
    tuning: watchTuning(kubeTuning),
    signal: stop.signal,
    onVerdict: () => stop.abort(),
  });
  expect(await following).toEqual([{ state: 'waiting', message: 'Waiting for statefulset spec update to be observed...' }]);
});
