import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../fixtures/kube-config.js';
import { fakeAccessKey, fakeSecretKey } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import type { DoctorReport } from '../src/commands/doctor.js';
import { runCliJson } from './support/cli.js';
import { startFakeCluster, type FakeCluster } from './support/kubernetes.js';
import { createTestStore, type TestStore } from './support/stores.js';

// The provider checks do not touch the store, so one store kind is enough here.
describe('doctor of the NCP set-up', () => {
  const fake = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  let store: TestStore;
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(async () => {
    store = await createTestStore('sqlite');
  });
  afterEach(async () => store.cleanup());

  const doctor = (env: NodeJS.ProcessEnv) => runCliJson<DoctorReport>(['--db', store.spec, 'doctor', '--fix'], { env });
  const ncpLines = (report: DoctorReport) => report.checks.filter((check) => check.check.startsWith('ncp'));

  it('says the keys are present and accepted, and never prints them', async () => {
    const { result, json } = await doctor({ NCLOUD_ACCESS_KEY: fakeAccessKey, NCLOUD_SECRET_KEY: fakeSecretKey, NCLOUD_SOURCEDEPLOY_ENDPOINT: fake.url });

    expect(result.code, result.stderr).toBe(0);
    expect(ncpLines(json)).toEqual([
      { check: 'ncp credentials', status: 'ok', message: 'present in NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY' },
      { check: 'ncp api', status: 'ok', message: expect.stringContaining('accepts the credentials') },
    ]);
    expect(fake.authFailures).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(fakeSecretKey);
    expect(result.stdout + result.stderr).not.toContain(fakeAccessKey);
  });

  it('fails with exit 5 when the gateway refuses the keys', async () => {
    const { result, json } = await doctor({ NCP_ACCESS_KEY: fakeAccessKey, NCP_SECRET_KEY: 'not-the-secret', NCLOUD_SOURCEDEPLOY_ENDPOINT: fake.url });

    expect(result.code).toBe(5);
    expect(ncpLines(json)[1]).toEqual({ check: 'ncp api', status: 'fail', message: expect.stringContaining('refused the credentials (HTTP 401): check NCP_ACCESS_KEY and NCP_SECRET_KEY') });
    expect(result.stdout).not.toContain('not-the-secret');
  });

  it('fails with exit 5 when one key of the pair is missing, or the endpoint cannot be reached', async () => {
    const half = await doctor({ NCLOUD_ACCESS_KEY: fakeAccessKey });
    expect(half.result.code).toBe(5);
    expect(ncpLines(half.json)).toEqual([{ check: 'ncp credentials', status: 'fail', message: expect.stringContaining('NCLOUD_SECRET_KEY') }]);

    const down = await doctor({ NCLOUD_ACCESS_KEY: fakeAccessKey, NCLOUD_SECRET_KEY: fakeSecretKey, NCLOUD_SOURCEDEPLOY_ENDPOINT: 'http://127.0.0.1:9' });
    expect(down.result.code).toBe(5);
    expect(ncpLines(down.json)[1]).toMatchObject({ check: 'ncp api', status: 'fail', message: expect.stringContaining('cannot reach http://127.0.0.1:9') });
  });

  it('leaves NCP out where nothing sets it up', async () => {
    const { result, json } = await doctor({});

    expect(result.code).toBe(0);
    expect(ncpLines(json)).toEqual([]);
  });
});

describe('doctor of the Kubernetes set-up', () => {
  let store: TestStore;
  let cluster: FakeCluster;
  beforeEach(async () => {
    store = await createTestStore('sqlite');
    cluster = await startFakeCluster(store.dir);
  });
  afterEach(async () => {
    await cluster.api.close();
    await store.cleanup();
  });

  const doctor = (args: string[], env: NodeJS.ProcessEnv) => runCliJson<DoctorReport>(['--db', store.spec, 'doctor', '--fix', ...args], { env });
  const kubeLines = (report: DoctorReport) => report.checks.filter((check) => check.check.startsWith('kubernetes'));

  it('names the context and finds the API server reachable with its credentials', async () => {
    const { result, json } = await doctor([], { KUBECONFIG: cluster.kubeconfig });

    expect(result.code, result.stderr).toBe(0);
    expect(kubeLines(json)).toEqual([
      { check: 'kubernetes context', status: 'ok', message: `'fake' at ${cluster.api.url}` },
      { check: 'kubernetes api', status: 'ok', message: expect.stringContaining('reachable') },
      { check: 'kubernetes workloads', status: 'ok', message: 'Deployments, StatefulSets and DaemonSets can be listed in namespace default, as track needs' },
    ]);
    expect(cluster.api.requests.map((request) => request.path)).toContain('/version');
    expect(result.stdout).not.toContain(cluster.api.token);
  });

  it('warns, exit 0, when one kind of workload cannot be listed: track could not follow those', async () => {
    cluster.api.refuse(true, 'statefulsets');
    const { result, json } = await doctor([], { KUBECONFIG: cluster.kubeconfig });

    expect(result.code, result.stderr).toBe(0);
    expect(kubeLines(json).at(-1)).toEqual({
      check: 'kubernetes workloads',
      status: 'warn',
      message: 'cannot list StatefulSets (HTTP 403) in namespace default: track cannot follow those there; ask for get, list and watch on them (kubectl auth can-i list statefulsets -n default)',
    });
  });

  it('fails with exit 5 on refused credentials, an unknown context, or a server that does not answer', async () => {
    const refused = writeKubeconfig(store.dir, { server: cluster.api.url, token: 'not-the-token' }, 'refused');
    const wrongToken = await doctor(['--kubeconfig', refused], {});
    expect(wrongToken.result.code).toBe(5);
    expect(kubeLines(wrongToken.json)[1]).toMatchObject({ status: 'fail', message: expect.stringContaining('401') });

    const unknownContext = await doctor(['--context', 'elsewhere'], { KUBECONFIG: cluster.kubeconfig });
    expect(unknownContext.result.code).toBe(5);
    expect(kubeLines(unknownContext.json)).toEqual([{ check: 'kubernetes context', status: 'fail', message: expect.stringContaining("no context 'elsewhere'") }]);

    await cluster.api.close();
    const down = await doctor([], { KUBECONFIG: cluster.kubeconfig });
    expect(down.result.code).toBe(5);
    expect(kubeLines(down.json)[1]).toMatchObject({ status: 'fail', message: expect.stringContaining('cannot reach') });
  });

  it('leaves Kubernetes out where nothing sets it up', async () => {
    const { json } = await doctor([], {});

    expect(kubeLines(json)).toEqual([]);
  });
});
