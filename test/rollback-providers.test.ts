import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, storeKinds, type TestStore } from './support/stores.js';

describe.each(storeKinds())('rollback of an NCP deployment on %s', (kind) => {
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
