import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { storeWithCluster } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('rollback of an NCP deployment on %s', (kind) => {
  const fake = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  let store: TestStore;
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const ids = ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', `s-${kind}`];

  it('starts the same scenario again, follows it with --wait, and marks what it replaced', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    for (const version of ['1.0.0', '1.1.0']) {
      const deployed = await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', version, ...ids, '--wait', '--interval', '100ms'], { env: ncpEnv(fake) });
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    const [first, second] = fake.started().slice(-2);

    const { result, json } = await runCliJson<DeploymentJson>(['--db', store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--wait'], { env: ncpEnv(fake) });

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
    const replaced = (await snapshot(store)).deployments.find((row) => Number(row.id) === json.rollbackOf)!;
    expect(replaced).toMatchObject({ version: '1.1.0', rolled_back_by: json.id });
  });

  it('refuses with exit 5, writing nothing, when the NCP credentials are missing', async () => {
    fake.scriptScenario(`s-${kind}`, [{ status: 'success' }]);
    for (const version of ['1.0.0', '1.1.0']) {
      await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', version, ...ids, '--wait', '--interval', '100ms'], { env: ncpEnv(fake) });
    }
    const before = await snapshot(store);

    const result = await runCli(['--db', store.spec, 'rollback', '--app', 'web', '--env', 'prod'], { env: { NCLOUD_SOURCEDEPLOY_ENDPOINT: fake.url } });

    expect(result.code).toBe(5);
    expect(result.stderr).toContain('NCLOUD_ACCESS_KEY');
    expect(await snapshot(store)).toEqual(before);
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

  it('asks for the command after -- when the deployment to go back to recorded no image', async () => {
    for (const version of ['2.0.0', '3.0.0']) await deploy('--version', version);
    const before = await snapshot(t.store);

    const result = await runCli(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod'], { env: t.cluster.env });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recorded no image');
    expect(await snapshot(t.store)).toEqual(before);
  });
});
