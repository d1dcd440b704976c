import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv, quickPolling } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import type { RollbackPreview } from '../src/commands/rollback.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { storeWithCluster } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type StoreKind, type TestStore } from './support/stores.js';

/** A fresh store of `kind` for each test, beside a loopback fake started once for the block. */
function storeBeside(kind: StoreKind, fake: { start(): Promise<unknown>; close(): Promise<void> }): { store: TestStore } {
  const fresh = {} as { store: TestStore };
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(async () => {
    fresh.store = await createTestStore(kind);
  });
  afterEach(async () => fresh.store.cleanup());
  return fresh;
}

describeEachStore('rollback of an NCP deployment on %s', (kind) => {
  const fake = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  const t = storeBeside(kind, fake);

  const ids = ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', `s-${kind}`];

  it('starts the same scenario again, follows it with --wait, and marks what it replaced', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    for (const version of ['1.0.0', '1.1.0']) {
      const deployed = await runCli(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', version, ...ids, '--wait', '--interval', '100ms'], { env: ncpEnv(fake) });
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    const [first, second] = fake.started().slice(-2);

    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--wait'], { env: ncpEnv(fake) });

    expect(result.code, result.stderr).toBe(0);
    const third = fake.started().at(-1)!;
    expect([first, second]).not.toContain(third);
    expect(json).toMatchObject({
      provider: 'ncp',
      status: 'success',
      version: '1.0.0',
      isRollback: true,
      target: { projectId: '10', stageId: '20', scenarioId: `s-${kind}`, ncpDeployId: third },
    });
    const replaced = (await snapshot(t.store)).deployments.find((row) => Number(row.id) === json.rollbackOf)!;
    expect(replaced).toMatchObject({ version: '1.1.0', rolled_back_by: json.id });
  });

  const deployNcp = (version: string, env = ncpEnv(fake)) =>
    runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', version, ...ids, '--wait', '--interval', '100ms'], { env });
  const rollbackNcp = () => runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--wait'], { env: ncpEnv(fake) });

  it('undoes a run that SourceDeploy started and that failed: the success before it is deployed again', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    await deployNcp('1.0.0');
    const good = (await deployNcp('1.1.0')).json;
    fake.scriptScenario(`s-${kind}`, [{ status: 'inprogress' }, { status: 'fail' }]);
    const broken = await deployNcp('1.2.0');
    expect(broken.result.code, broken.result.stderr).toBe(1);
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);

    const { result, json } = await rollbackNcp();

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ provider: 'ncp', status: 'success', isRollback: true, version: '1.1.0', rollbackOf: broken.json.id });
    const rows = (await snapshot(t.store)).deployments;
    expect(rows.find((row) => Number(row.id) === broken.json.id)).toMatchObject({ status: 'failed', rolled_back_by: json.id });
    expect(rows.find((row) => Number(row.id) === good.id)).toMatchObject({ rolled_back_by: null });
  });

  it('passes over a deploy whose start SourceDeploy refused: nothing of it was applied', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    await deployNcp('1.0.0');
    const runs = (await deployNcp('1.1.0')).json;
    const refused = await runCli(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.2.0', ...ids], { env: ncpEnv(fake, { NCLOUD_SECRET_KEY: 'not-the-secret' }) });
    expect(refused.code).toBe(5);
    const { json: preview } = await runCliJson<RollbackPreview>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--dry-run'], { env: ncpEnv(fake) });
    expect(preview.reason).toMatch(/^web in prod runs dep_\w+ \(1\.1\.0\) \(newer, never applied: dep_\w+ \(1\.2\.0\) failed\)/);

    const { result, json } = await rollbackNcp();

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ provider: 'ncp', status: 'success', version: '1.0.0', rollbackOf: runs.id });
  });

  it('refuses with exit 5, writing nothing, when the NCP credentials are missing', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    for (const version of ['1.0.0', '1.1.0']) {
      await runCli(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', version, ...ids, '--wait', '--interval', '100ms'], { env: ncpEnv(fake) });
    }
    const before = await snapshot(t.store);

    const result = await runCli(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod'], { env: { NCLOUD_SOURCEDEPLOY_ENDPOINT: fake.url } });

    expect(result.code).toBe(5);
    expect(result.stderr).toContain('NCLOUD_ACCESS_KEY');
    expect(await snapshot(t.store)).toEqual(before);
  });
});

describeEachStore('rollback of a Kubernetes deployment on %s', (kind) => {
  const t = storeWithCluster(kind);
  const deploy = (...rest: string[]) => runCli(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', ...rest, '--wait'], { env: t.cluster.env });

  it('sets the image of the last good deployment again on the same Deployment and follows the rollout', async () => {
    for (const version of ['2.0.0', '3.0.0']) {
      const deployed = await deploy('--version', version, '--image', `registry.example/web:${version}`);
      expect(deployed.code, deployed.stderr).toBe(0);
    }

    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--wait'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({
      provider: 'kubernetes',
      status: 'success',
      isRollback: true,
      version: '2.0.0',
      image: 'registry.example/web:2.0.0',
      target: { namespace: 'prod', name: 'web', container: 'web', context: 'fake', previousImage: 'registry.example/web:3.0.0' },
    });
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:2.0.0');
    const replaced = (await snapshot(t.store)).deployments.find((row) => Number(row.id) === json.rollbackOf)!;
    expect(replaced).toMatchObject({ version: '3.0.0', rolled_back_by: json.id });
  });

  it('undoes a rollout that failed by ProgressDeadlineExceeded, leaving its image on the cluster (fail-web)', async () => {
    const api = t.cluster.api;
    api.addDeployment('default', 'fail-web', { replicas: 2 });
    const deployFailWeb = (version: string) =>
      runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'fail-web', '--env', 'prod', '--k8s', 'default/fail-web', '--version', version, '--image', `nginx:${version}`, '--wait'], { env: t.cluster.env });
    const rollbackFailWeb = (...rest: string[]) => runCliJson<RollbackPreview>(['--db', t.store.spec, 'rollback', '--app', 'fail-web', '--env', 'prod', ...rest], { env: t.cluster.env });
    const good = await deployFailWeb('1.0');
    expect(good.result.code, good.result.stderr).toBe(0);
    api.behave('default', 'fail-web', 'deadline');
    const broken = await deployFailWeb('1.1');
    expect(broken.result.code, broken.result.stderr).toBe(1);
    expect(broken.json).toMatchObject({ status: 'failed', error: expect.stringContaining('progress deadline') });
    expect(api.get('default', 'fail-web')!.spec.template.spec.containers[0]!.image).toBe('nginx:1.1');
    api.behave('default', 'fail-web', 'complete');

    for (const to of [[], ['--to', '1.0']]) {
      const { result, json: preview } = await rollbackFailWeb(...to, '--dry-run');
      expect(result.code, result.stderr).toBe(0);
      expect(preview).toMatchObject({ replacing: { id: broken.json.id }, rollbackTo: { id: good.json.id, image: 'nginx:1.0' } });
      expect(preview.reason).toContain('which failed after its change was applied');
    }
    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'fail-web', '--env', 'prod', '--to', '1.0', '--wait'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', isRollback: true, version: '1.0', image: 'nginx:1.0', rollbackOf: broken.json.id, target: { previousImage: 'nginx:1.1' } });
    expect(api.get('default', 'fail-web')!.spec.template.spec.containers[0]!.image).toBe('nginx:1.0');
    const replaced = (await snapshot(t.store)).deployments.find((row) => Number(row.id) === broken.json.id)!;
    expect(replaced).toMatchObject({ status: 'failed', rolled_back_by: json.id });
  });

  it('after v2.1 and v2.2 succeeded and v2.3 failed on the cluster, sets v2.2 back, not v2.1', async () => {
    for (const version of ['2.1.0', '2.2.0']) {
      const deployed = await deploy('--version', version, '--image', `registry.example/web:${version}`);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    t.cluster.api.behave('prod', 'web', 'deadline');
    expect((await deploy('--version', '2.3.0', '--image', 'registry.example/web:2.3.0')).code).toBe(1);
    t.cluster.api.behave('prod', 'web', 'complete');

    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--wait'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', version: '2.2.0', image: 'registry.example/web:2.2.0' });
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:2.2.0');
  });

  it('asks for the command after -- when the deployment to go back to recorded no image', async () => {
    for (const version of ['2.0.0', '3.0.0']) await deploy('--version', version);
    const before = await snapshot(t.store);

    const result = await runCli(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod'], { env: t.cluster.env });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recorded no image');
    expect(await snapshot(t.store)).toEqual(before);
  });
});

describeEachStore('rollback of an HTTP-tracked deployment on %s', (kind) => {
  const fake = new HttpStatusFake();
  const t = storeBeside(kind, fake);

  const deploy = async (version: string, outcome: string) => {
    const path = `/deploys/${kind}-${version}`;
    fake.script(path, [{ status: outcome }]);
    return runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'api', '--env', 'prod', '--version', version, '--status-url', fake.url(path), '--wait', '--interval', '100ms'], { env: quickPolling });
  };

  it('undoes a failed deployment with a record-only rollback to the success before it, which CI closes', async () => {
    await deploy('3.0.0', 'success');
    await deploy('3.1.0', 'success');
    const broken = await deploy('3.2.0', 'failed');
    expect(broken.result.code, broken.result.stderr).toBe(1);

    const rolled = await runCli(['--db', t.store.spec, 'rollback', '--app', 'api', '--env', 'prod']);
    const key = rolled.stdout.trim();
    const finished = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'finish', key, '--status', 'success']);

    expect(rolled.code, rolled.stderr).toBe(0);
    expect(finished.json).toMatchObject({ provider: 'manual', status: 'success', isRollback: true, version: '3.1.0', rollbackOf: broken.json.id });
    const replaced = (await snapshot(t.store)).deployments.find((row) => Number(row.id) === broken.json.id)!;
    expect(replaced).toMatchObject({ status: 'failed', rolled_back_by: finished.json.id });
  });
});
