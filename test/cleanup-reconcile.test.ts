import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCliJson } from './support/cli.js';
import { recordRollouts, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { execSql, snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('cleanup --reconcile of NCP deployments on %s', (kind) => {
  const fake = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  let store: TestStore;
  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(() => store.cleanup());

  const reconcile = (extra: string[], env: NodeJS.ProcessEnv) =>
    runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--stale', '0s', '--reconcile', ...extra], { env });

  it('settles each abandoned deployment as NCP reports it, and leaves what it cannot know stale or running', async () => {
    const [done] = await seedNcpDeployments(store.spec, fake, ['done'], [{ status: 'success' }]);
    const [broken] = await seedNcpDeployments(store.spec, fake, ['broken'], [{ status: 'fail' }]);
    const [busy] = await seedNcpDeployments(store.spec, fake, ['busy'], [{ status: 'inprogress' }]);
    const [unreachable] = await seedNcpDeployments(store.spec, fake, ['unreachable'], [{ http: 503 }]);
    const [late] = await seedNcpDeployments(store.spec, fake, ['late'], [{ status: 'success' }]);
    await execSql(store, `update deployments set status = 'timeout' where id = ?`, [late!.id]);
    const before = await snapshot(store);

    const { json: plan } = await reconcile([], ncpEnv(fake));
    expect(await snapshot(store)).toEqual(before);
    const { result, json } = await reconcile(['--apply'], ncpEnv(fake));

    expect(result.code, result.stderr).toBe(0);
    for (const report of [plan, json]) {
      const changes = new Map(report.stale!.records.map((change) => [change.id, change]));
      expect(changes.get(done!.id)).toMatchObject({ from: 'running', to: 'success', source: 'reconcile', reason: expect.stringContaining("'success'") });
      expect(changes.get(broken!.id)).toMatchObject({ from: 'running', to: 'failed', source: 'reconcile' });
      expect(changes.get(busy!.id)).toMatchObject({ from: 'running', to: null, reason: expect.stringContaining('still under way') });
      expect(changes.get(unreachable!.id)).toMatchObject({ from: 'running', to: 'stale', reason: expect.stringContaining('not reconciled: could not ask') });
      expect(changes.get(late!.id)).toMatchObject({ from: 'timeout', to: 'success' });
    }
    const statuses = new Map((await snapshot(store)).deployments.map((row) => [Number(row.id), row.status]));
    expect([done, broken, busy, unreachable, late].map((d) => statuses.get(d!.id))).toEqual(['success', 'failed', 'running', 'stale', 'success']);
    const settledBy = (await snapshot(store)).events.filter((event) => Number(event.deployment_id) === done!.id).at(-1);
    expect(settledBy).toMatchObject({ from_status: 'running', to_status: 'success', source: 'reconcile' });
  });

  it('says so per record when the NCP credentials are missing, and marks them stale, never success', async () => {
    const [done] = await seedNcpDeployments(store.spec, fake, ['done'], [{ status: 'success' }]);

    const { json } = await reconcile(['--apply'], { NCLOUD_SOURCEDEPLOY_ENDPOINT: fake.url });

    expect(json.stale!.records).toEqual([expect.objectContaining({ id: done!.id, to: 'stale', reason: expect.stringContaining('NCLOUD_ACCESS_KEY') })]);
    expect((await snapshot(store)).deployments[0]!.status).toBe('stale');
  });
});

describeEachStore('cleanup --reconcile of Kubernetes deployments on %s', (kind) => {
  const t = storeWithCluster(kind);

  it('reads each rollout as track would, and only for the generation the deployment produced', async () => {
    for (const name of ['api', 'worker', 'moved']) t.cluster.api.addDeployment('prod', name, { replicas: 1 });
    t.cluster.api.behave('prod', 'api', 'deadline');
    t.cluster.api.behave('prod', 'worker', 'hold');
    const [web, api, worker, moved] = await recordRollouts(
      t.store.spec,
      t.cluster,
      ['web', 'api', 'worker', 'moved'].map((name) => ({ app: name, env: 'prod', namespace: 'prod', name, image: `registry.example/${name}:2.0.0` })),
    );
    t.cluster.api.setImage('prod', 'moved', 'moved', 'registry.example/moved:3.0.0');
    await waitUntil('the web rollout completes', () => t.cluster.api.completedAt.has('prod/web'));
    await waitUntil('the api rollout misses its deadline', () =>
      (t.cluster.api.get('prod', 'api')!.status.conditions ?? []).some((condition) => condition.reason === 'ProgressDeadlineExceeded'),
    );

    const { result, json } = await runCliJson<CleanupReport>(['--db', t.store.spec, 'cleanup', '--stale', '0s', '--reconcile', '--apply'], { env: t.cluster.env });

    expect(result.code, result.stderr).toBe(0);
    const changes = new Map(json.stale!.records.map((change) => [change.id, change]));
    expect(changes.get(web![0])).toMatchObject({ to: 'success', source: 'reconcile', reason: expect.stringContaining('successfully rolled out') });
    expect(changes.get(api![0])).toMatchObject({ to: 'failed', reason: expect.stringContaining('progress deadline') });
    expect(changes.get(worker![0])).toMatchObject({ to: null, reason: expect.stringContaining('still under way') });
    expect(changes.get(moved![0])).toMatchObject({ to: 'stale', reason: expect.stringContaining('changed again since') });
    const statuses = new Map((await snapshot(t.store)).deployments.map((row) => [Number(row.id), row.status]));
    expect([web, api, worker, moved].map((ref) => statuses.get(ref![0]))).toEqual(['success', 'failed', 'running', 'stale']);
  });
});
