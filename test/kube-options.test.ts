import { beforeEach, expect, it } from 'vitest';
import { FakeKubeApi } from '../fixtures/kube-api-server.js';
import { writeKubeconfig } from '../fixtures/kube-config.js';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { kubeTuning, recordRollouts, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

/**
 * The deployments are recorded through context 'fake' (KUBECONFIG); the later commands run on a machine whose
 * kubeconfig, given with --kubeconfig and no KUBECONFIG, calls the same cluster 'laptop'.
 */
describeEachStore('--kubeconfig and --context on every command that reaches Kubernetes, on %s', (kind) => {
  const t = storeWithCluster(kind);
  let laptop: string;
  beforeEach(() => {
    laptop = writeKubeconfig(t.store.dir, { server: t.cluster.api.url, token: t.cluster.api.token, context: 'laptop' }, 'laptop-kubeconfig');
  });
  const onLaptop = (...args: string[]) => runCliJson<DeploymentJson>(['--db', t.store.spec, ...args, '--kubeconfig', laptop, '--context', 'laptop'], { env: kubeTuning });
  const deploy = (version: string) =>
    runCli(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--version', version, '--image', `registry.example/web:${version}`, '--wait'], { env: t.cluster.env });

  it('rollback reaches the cluster through --kubeconfig and --context, in place of the context it was recorded with', async () => {
    for (const version of ['2.0.0', '3.0.0']) expect((await deploy(version)).code).toBe(0);

    const { result, json } = await onLaptop('rollback', '--app', 'web', '--env', 'prod', '--wait');

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', isRollback: true, version: '2.0.0', target: { context: 'laptop', server: t.cluster.api.url } });
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:2.0.0');
  });

  it('rollback refuses a --context that reaches another API server, writing nothing', async () => {
    for (const version of ['2.0.0', '3.0.0']) expect((await deploy(version)).code).toBe(0);
    const other = await FakeKubeApi.start();
    try {
      other.addDeployment('prod', 'web', { replicas: 1 });
      const elsewhere = writeKubeconfig(t.store.dir, { server: other.url, token: other.token, context: 'other' }, 'other-kubeconfig');
      const before = await snapshot(t.store);

      const result = await runCli(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--kubeconfig', elsewhere, '--context', 'other'], { env: kubeTuning });

      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/--context 'other' reaches .*, but dep_\w+ was deployed on .*; name the context of that API server/);
      expect(await snapshot(t.store)).toEqual(before);
      expect(other.get('prod', 'web')!.spec.template.spec.containers[0]!.image).not.toBe('registry.example/web:2.0.0');
    } finally {
      await other.close();
    }
  });

  it('rollback of a deployment that is not Kubernetes-backed refuses --kubeconfig', async () => {
    for (const version of ['1.0.0', '1.1.0']) {
      const key = (await runCli(['--db', t.store.spec, 'deploy', '--app', 'api', '--env', 'prod', '--version', version])).stdout.trim();
      await runCli(['--db', t.store.spec, 'finish', key, '--status', 'success']);
    }

    const result = await runCli(['--db', t.store.spec, 'rollback', '--app', 'api', '--env', 'prod', '--kubeconfig', laptop]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--kubeconfig is for a Kubernetes deployment, and dep_\w+ was deployed by manual/);
  });

  it('track follows through --kubeconfig and --context', async () => {
    const [ref] = await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]);

    const result = await runCli(['--db', t.store.spec, 'track', ref![1], '--kubeconfig', laptop, '--context', 'laptop', '--timeout', '1m'], { env: kubeTuning });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('success');
  });

  it('track refuses a --context that reaches another API server, leaving the record as it was', async () => {
    const [ref] = await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]);
    const other = await FakeKubeApi.start();
    try {
      other.addDeployment('prod', 'web', { replicas: 1 });
      const elsewhere = writeKubeconfig(t.store.dir, { server: other.url, token: other.token, context: 'other' }, 'other-kubeconfig');

      const result = await runCli(['--db', t.store.spec, 'track', ref![1], '--kubeconfig', elsewhere, '--context', 'other', '--timeout', '1m'], { env: kubeTuning });

      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/--context 'other' reaches .*, but the deployment was recorded on .*; name the context of that API server/);
      const row = (await snapshot(t.store)).deployments.find((d) => Number(d.id) === ref![0])!;
      expect(row.status).toBe('running');
    } finally {
      await other.close();
    }
  });

  it('cleanup --reconcile asks through --kubeconfig and --context; without --context the recorded one is not in that kubeconfig', async () => {
    const [ref] = await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]);
    const cleanup = (...extra: string[]) =>
      runCliJson<CleanupReport>(['--db', t.store.spec, 'cleanup', '--stale', '0s', '--reconcile', '--kubeconfig', laptop, ...extra], { env: kubeTuning });
    await waitUntil('the web rollout completes', () => t.cluster.api.completedAt.has('prod/web'));

    const recordedContext = await cleanup();
    const laptopContext = await cleanup('--context', 'laptop', '--apply');

    expect(recordedContext.json.stale!.records[0]).toMatchObject({ id: ref![0], to: 'stale', reason: expect.stringContaining("has no context 'fake'") });
    expect(laptopContext.result.code, laptopContext.result.stderr).toBe(0);
    expect(laptopContext.json.stale!.records[0]).toMatchObject({ id: ref![0], to: 'success', source: 'reconcile' });
  });

});
