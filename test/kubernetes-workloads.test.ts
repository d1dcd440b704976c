import { expect, it } from 'vitest';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { recordRollouts, stderrSoFar, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('StatefulSets and DaemonSets through the CLI on %s', (kind) => {
  const t = storeWithCluster(kind);

  const deployArgs = (app: string, ...rest: string[]) => ['--db', t.store.spec, 'deploy', '--app', app, '--env', 'prod', ...rest];
  const deployJson = (app: string, ...rest: string[]) => runCliJson<DeploymentJson>(deployArgs(app, ...rest), { env: t.cluster.env });
  const show = async (key: string) => (await runCliJson<DeploymentJson>(['--db', t.store.spec, 'show', key])).json;

  it('deploy --k8s NS/sts/NAME --image --wait patches the StatefulSet and follows its partitioned roll out to success, in kubectl words', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 3 });
    const { result, json } = await deployJson('db', '--k8s', 'prod/sts/db', '--image', 'registry.example/db:2.0.0', '--wait');

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', provider: 'kubernetes', error: null });
    expect(json.target).toEqual({ kind: 'statefulset', namespace: 'prod', name: 'db', container: 'db', context: 'fake', server: t.cluster.api.url, previousImage: 'registry.example/db:1.0.0', generation: 2 });
    expect(t.cluster.api.requests.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.contentType])).toEqual([['/apis/apps/v1/namespaces/prod/statefulsets/db', 'application/strategic-merge-patch+json']]);
    expect(t.cluster.api.workload('statefulset', 'prod', 'db')!.spec.template.spec.containers[0]!.image).toBe('registry.example/db:2.0.0');
    expect((await show(json.key)).events!.at(-1)).toMatchObject({ from: 'running', to: 'success', source: 'watch', detail: 'partitioned roll out complete: 3 new pods have been updated...' });
  });

  it('a StatefulSet with a partition is complete once the pods above it are updated, as kubectl says', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 3, partition: 2 });
    const { result, json } = await deployJson('db', '--k8s', 'prod/statefulset/db', '--image', 'registry.example/db:2.0.0', '--wait');

    expect(result.code, result.stderr).toBe(0);
    expect((await show(json.key)).events!.at(-1)).toMatchObject({ to: 'success', detail: 'partitioned roll out complete: 1 new pods have been updated...' });
    expect(t.cluster.api.workload('statefulset', 'prod', 'db')!.status).toMatchObject({ updatedReplicas: 1, currentReplicas: 2 });
  });

  it('deploy --k8s NS/ds/NAME --image --wait follows the DaemonSet node by node to success', async () => {
    t.cluster.api.addDaemonSet('prod', 'agent', { nodes: 3 });
    const { result, json } = await deployJson('agent', '--k8s', 'prod/ds/agent', '--image', 'registry.example/agent:2.0.0', '--wait', '--verbose');

    expect(result.code, result.stderr).toBe(0);
    expect(json.target).toMatchObject({ kind: 'daemonset', namespace: 'prod', name: 'agent', previousImage: 'registry.example/agent:1.0.0' });
    expect(result.stderr).toContain('Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...');
    expect((await show(json.key)).events!.at(-1)).toMatchObject({ to: 'success', detail: 'daemon set "agent" successfully rolled out' });
  });

  it('an OnDelete StatefulSet or DaemonSet is refused, exit 2, with kubectl reason, before anything is changed or written', async () => {
    t.cluster.api.addStatefulSet('prod', 'legacy', { onDelete: true });
    t.cluster.api.addDaemonSet('prod', 'node-agent', { onDelete: true });
    const cases: [string, string][] = [
      ['prod/sts/legacy', 'StatefulSet prod/legacy'],
      ['prod/daemonset/node-agent', 'DaemonSet prod/node-agent'],
    ];
    for (const [ref, named] of cases) {
      const result = await runCli(deployArgs('legacy', '--k8s', ref, '--image', 'registry.example/x:2'), { env: t.cluster.env });
      expect([result.code, result.stderr.trim()]).toEqual([
        2,
        `shiplog: ${named}: rollout status is only available for RollingUpdate strategy type (its updateStrategy is OnDelete); shiplog follows only what kubectl rollout status follows, so it changed nothing`,
      ]);
    }
    const unknownKind = await runCli(deployArgs('migrate', '--k8s', 'prod/job/migrate'), { env: t.cluster.env });
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toContain("names the kind 'job', which kubectl rollout status does not follow");
    expect(t.cluster.api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(await snapshot(t.store)).toEqual({ deployments: [], events: [] });
  });

  it('track follows a DaemonSet deleted during its rollout to failed, and a StatefulSet to success, in one run', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 2 });
    t.cluster.api.addDaemonSet('prod', 'agent', { nodes: 2 });
    t.cluster.api.behave('prod', 'agent', 'delete', 'daemonset');
    const refs = await recordRollouts(t.store.spec, t.cluster, [
      { app: 'db', env: 'prod', kind: 'statefulset', namespace: 'prod', name: 'db', image: 'registry.example/db:2.0.0' },
      { app: 'agent', env: 'prod', kind: 'daemonset', namespace: 'prod', name: 'agent', image: 'registry.example/agent:2.0.0' },
    ]);

    const tracking = startCli(['--db', t.store.spec, 'track', '--all'], { env: t.cluster.env });
    const result = await tracking.result;

    expect(result.code, result.stderr).toBe(1);
    const [db, agent] = await Promise.all(refs.map(([, key]) => show(key)));
    expect(db).toMatchObject({ status: 'success' });
    expect(agent).toMatchObject({ status: 'failed', error: 'the DaemonSet was deleted while its rollout was followed' });
    // Each kind is listed (and watched) on its own path in the namespace.
    expect(new Set(t.cluster.api.listRequests('prod').map((r) => r.path))).toEqual(new Set(['/apis/apps/v1/namespaces/prod/statefulsets', '/apis/apps/v1/namespaces/prod/daemonsets']));
  });

  it('track shows a StatefulSet waiting with kubectl words while its pods are replaced', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 2 });
    t.cluster.api.behave('prod', 'db', 'manual', 'statefulset');
    const [[, key]] = (await recordRollouts(t.store.spec, t.cluster, [{ app: 'db', env: 'prod', kind: 'statefulset', namespace: 'prod', name: 'db', image: 'registry.example/db:2.0.0' }])) as [[number, string]];
    const tracking = startCli(['--db', t.store.spec, 'track', key], { env: t.cluster.env });
    const stderr = stderrSoFar(tracking);
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.step('prod', 'db', 'statefulset');
    t.cluster.api.step('prod', 'db', 'statefulset');
    await waitUntil('track has seen a pod being replaced', () => stderr().includes('Waiting for 1 pods to be ready...'), stderr);
    while (t.cluster.api.step('prod', 'db', 'statefulset'));
    const result = await tracking.result;

    expect(result.code, result.stderr).toBe(0);
    expect((await show(key)).status).toBe('success');
  });

  it('rollback sets the last good image again on the same StatefulSet and follows it', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 2 });
    for (const version of ['2.0.0', '3.0.0']) {
      const deployed = await deployJson('db', '--k8s', 'prod/sts/db', '--version', version, '--image', `registry.example/db:${version}`, '--wait');
      expect(deployed.result.code, deployed.result.stderr).toBe(0);
    }

    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'db', '--env', 'prod', '--wait'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', isRollback: true, version: '2.0.0', target: { kind: 'statefulset', namespace: 'prod', name: 'db', previousImage: 'registry.example/db:3.0.0' } });
    expect(t.cluster.api.workload('statefulset', 'prod', 'db')!.spec.template.spec.containers[0]!.image).toBe('registry.example/db:2.0.0');
  });

  it('cleanup --stale --reconcile reads StatefulSets and DaemonSets by their own rules', async () => {
    t.cluster.api.addStatefulSet('prod', 'db', { replicas: 2 });
    t.cluster.api.addDaemonSet('prod', 'agent', { nodes: 2 });
    t.cluster.api.behave('prod', 'agent', 'hold', 'daemonset');
    const [db, agent] = await recordRollouts(t.store.spec, t.cluster, [
      { app: 'db', env: 'prod', kind: 'statefulset', namespace: 'prod', name: 'db', image: 'registry.example/db:2.0.0' },
      { app: 'agent', env: 'prod', kind: 'daemonset', namespace: 'prod', name: 'agent', image: 'registry.example/agent:2.0.0' },
    ]);
    await waitUntil('the db roll out completes', () => t.cluster.api.completedAt.has('prod/statefulset/db'));
    await waitUntil('the agent roll out holds', () => t.cluster.api.workload('daemonset', 'prod', 'agent')!.status.observedGeneration === 2);

    const { result, json } = await runCliJson<CleanupReport>(['--db', t.store.spec, 'cleanup', '--stale', '0s', '--reconcile', '--apply'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    const changes = new Map(json.stale!.records.map((change) => [change.id, change]));
    expect(changes.get(db![0])).toMatchObject({ to: 'success', source: 'reconcile', reason: expect.stringContaining('StatefulSet prod/db partitioned roll out complete: 2 new pods have been updated...') });
    expect(changes.get(agent![0])).toMatchObject({ to: null, reason: expect.stringContaining('Waiting for daemon set "agent" rollout to finish') });
  });
});
