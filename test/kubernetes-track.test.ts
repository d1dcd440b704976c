import { expect, it } from 'vitest';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { recordRollouts, stderrSoFar, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { execSql, snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('track on %s', (kind) => {
  const t = storeWithCluster(kind);

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['--db', t.store.spec, ...args], { env: { ...t.cluster.env, ...env } });
  const start = (args: string[], env: NodeJS.ProcessEnv = {}) => startCli(['--db', t.store.spec, ...args], { env: { ...t.cluster.env, ...env } });
  const show = async (key: string) => (await runCliJson<DeploymentJson>(['--db', t.store.spec, 'show', key])).json;
  const webRollout = async () => (await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]))[0]!;

  it('a rollout started by deploy --k8s is followed by track to success, with kubectl progress lines', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const deployed = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--image', 'registry.example/web:2.0.0'], { env: t.cluster.env });
    expect(deployed.result.code).toBe(0);
    expect(deployed.json.status).toBe('running');
    const track = start(['track', deployed.json.key]);
    await t.cluster.api.waitForWatches(1, 'prod');
    while (t.cluster.api.step('prod', 'web'));
    const { code, stdout, stderr } = await track.result;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`${deployed.json.key} web registry.example/web:2.0.0 -> prod: success`);
    expect(stderr).toContain('1 out of 2 new replicas have been updated');
    expect(stderr).toContain('1 of 2 updated replicas are available');
    const record = await show(deployed.json.key);
    expect(record.status).toBe('success');
    expect(record.events!.at(-1)).toMatchObject({ from: 'running', to: 'success', source: 'watch', detail: 'deployment "web" successfully rolled out' });
  });

  it('a rollout that exceeds its progress deadline ends failed, exit 1, and tracking it again says so at once', async () => {
    t.cluster.api.behave('prod', 'web', 'deadline');
    const [, key] = await webRollout();
    const first = await cli(['track', key]);
    expect(first.code, first.stderr).toBe(1);
    const record = await show(key);
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^deployment "web" exceeded its progress deadline/);
    const again = await runCliJson<DeploymentJson[]>(['--db', t.store.spec, 'track', key], { env: t.cluster.env });
    expect(again.result.code).toBe(1);
    expect(again.json.map((d) => d.status)).toEqual(['failed']);
  });

  it('a Deployment deleted during its rollout ends failed', async () => {
    t.cluster.api.behave('prod', 'web', 'delete');
    const [, key] = await webRollout();
    const { code } = await cli(['track', key]);
    expect(code).toBe(1);
    expect((await show(key)).error).toBe('the Deployment was deleted while its rollout was followed');
  });

  it('a watch dropped mid-rollout resumes from the last resourceVersion it saw, without listing again', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key]);
    const stderr = stderrSoFar(track);
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.step('prod', 'web');
    t.cluster.api.step('prod', 'web');
    await waitUntil('track has seen the second step', () => stderr().includes('1 out of 2 new replicas have been updated'), stderr);
    const lastSeen = t.cluster.api.get('prod', 'web')!.metadata.resourceVersion;
    t.cluster.api.dropWatches();
    await t.cluster.api.waitForWatches(2, 'prod');
    expect(t.cluster.api.watchRequests('prod')[1]!.query.resourceVersion).toBe(lastSeen);
    while (t.cluster.api.step('prod', 'web'));
    expect((await track.result).code).toBe(0);
    expect(t.cluster.api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments') && r.query.watch !== 'true')).toHaveLength(1);
    expect((await show(key)).status).toBe('success');
  });

  it('a resourceVersion expired while disconnected (410 Gone) is answered by listing again, which finds the outcome', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key]);
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.step('prod', 'web');
    // The whole rollout completes while the client is away, and the history it would resume from is gone.
    t.cluster.api.dropWatches();
    while (t.cluster.api.step('prod', 'web'));
    t.cluster.api.expireHistory();
    const { code, stderr } = await track.result;
    expect(code, stderr).toBe(0);
    const lists = t.cluster.api.requests.filter((r) => r.path.endsWith('/deployments') && r.query.watch !== 'true');
    expect(lists).toHaveLength(2);
    expect((await show(key)).status).toBe('success');
  });

  it('a watch that goes silent is restarted by the watchdog and the namespace listed again, so a change made during the silence is seen though every watch stays silent', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key, '--timeout', '15s'], { SHIPLOG_WATCH_IDLE_MS: '500' });
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.silenceEveryWatch(true);
    while (t.cluster.api.step('prod', 'web'));
    const { code, stderr } = await track.result;
    expect(code, stderr).toBe(0);
    expect(t.cluster.api.listRequests('prod').length).toBeGreaterThanOrEqual(2);
    expect((await show(key)).status).toBe('success');
  });

  it('a watch answered 410 Gone again and again lists again with growing waits, not a hundred times a second', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key], { SHIPLOG_WATCH_BACKOFF_MS: '200', SHIPLOG_WATCH_BACKOFF_CAP_MS: '1000' });
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.expireEveryWatch(true);
    t.cluster.api.dropWatches();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const lists = t.cluster.api.listRequests('prod').length;
    const watches = t.cluster.api.watchRequests('prod');
    const listed = t.cluster.api.get('prod', 'web')!.metadata.resourceVersion;
    t.cluster.api.expireEveryWatch(false);
    while (t.cluster.api.step('prod', 'web'));
    const { code, stderr } = await track.result;
    expect(code, stderr).toBe(0);
    // Waits of 200, 400, 800, 1000 ms (each ±20%) leave room for three or four lists in two seconds.
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(lists).toBeLessThanOrEqual(6);
    // Each watch starts from the resourceVersion of the fresh list before it, nothing having changed since.
    expect(watches.slice(1).map((r) => r.query.resourceVersion)).toEqual(Array(watches.length - 1).fill(listed));
    expect((await show(key)).status).toBe('success');
  });

  it('a list answered 500 once is tried again, and track --all still ends in success', async () => {
    const [, key] = await webRollout();
    t.cluster.api.failNextLists(1);
    const { code, stderr } = await cli(['track', '--all']);
    expect(code, stderr).toBe(0);
    expect(t.cluster.api.listRequests('prod')).toHaveLength(2);
    expect((await show(key)).status).toBe('success');
  });

  it('track --all --follow survives a 500 on listing a namespace it meets for the first time', async () => {
    t.cluster.api.addDeployment('staging', 'web', { replicas: 1 });
    const watcher = start(['--verbose', 'track', '--all', '--follow']);
    const stderr = stderrSoFar(watcher);
    await waitUntil('the watcher has read what was recorded before it', () => stderr().includes('watching the store for newly recorded Kubernetes deployments'), stderr);
    t.cluster.api.failNextLists(1);
    const [[, key]] = (await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'staging', namespace: 'staging', name: 'web', image: 'web:2' }])) as [[number, string]];
    await waitUntil('the watcher has settled the new deployment', () => stderr().includes('success: deployment "web" successfully rolled out'), stderr);
    expect(stderr()).toContain('answered HTTP 500 while listing Deployments in namespace staging; listing again in');
    watcher.kill('SIGTERM');
    const { code } = await watcher.result;
    expect(code).toBe(0);
    expect(t.cluster.api.listRequests('staging')).toHaveLength(2);
    expect((await show(key)).status).toBe('success');
  });

  it('a watch that keeps failing is retried with growing waits, not hammered, and the rollout is still seen to its end', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    t.cluster.api.failNextWatches(4);
    const track = start(['track', key]);
    await t.cluster.api.waitForWatches(5, 'prod');
    while (t.cluster.api.step('prod', 'web'));
    expect((await track.result).code).toBe(0);
    // Waits of 50, 100, 200 and 200 ms (SHIPLOG_WATCH_BACKOFF_MS=50, cap 200), each less 20% at most for jitter.
    const [first, , , , fifth] = t.cluster.api.watchRequests('prod').map((r) => r.at);
    expect(fifth! - first!).toBeGreaterThanOrEqual(0.8 * (50 + 100 + 200 + 200));
    expect((await show(key)).status).toBe('success');
  });

  it('a rollout not complete within --timeout becomes timeout, exit 3', async () => {
    t.cluster.api.behave('prod', 'web', 'hold');
    const [, key] = await webRollout();
    const { code, stderr } = await cli(['track', key, '--timeout', '1s']);
    expect(code, stderr).toBe(3);
    const record = await show(key);
    expect(record.status).toBe('timeout');
    expect(record.error).toMatch(/^no outcome within --timeout 1s; last seen: Waiting for deployment "web" rollout to finish: \d out of 2 new replicas have been updated/);
  });

  it('SIGINT stops following, leaves the deployment running for a later track, and exits 3', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key]);
    await t.cluster.api.waitForWatches(1, 'prod');
    track.kill('SIGINT');
    const interrupted = await track.result;
    expect(interrupted.code).toBe(3);
    expect(interrupted.stderr).toContain(`interrupted: 1 deployment is left running; resume with 'shiplog track ${key}'`);
    expect(interrupted.stderr).not.toMatch(/at .*\.js:\d+/);
    const { deployments } = await snapshot(t.store);
    expect(deployments[0]).toMatchObject({ status: 'running', lease_owner: null });
    while (t.cluster.api.step('prod', 'web'));
    expect((await cli(['track', key])).code).toBe(0);
  });

  it('track --all follows every active rollout with one watch per namespace', async () => {
    t.cluster.api.addDeployment('prod', 'api', { replicas: 1 });
    t.cluster.api.addDeployment('staging', 'web', { replicas: 1 });
    t.cluster.api.addDeployment('staging', 'api', { replicas: 3 });
    const rollouts = [
      { app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'web:2' },
      { app: 'api', env: 'prod', namespace: 'prod', name: 'api', image: 'api:2' },
      { app: 'web', env: 'staging', namespace: 'staging', name: 'web', image: 'web:2' },
      { app: 'api', env: 'staging', namespace: 'staging', name: 'api', image: 'api:2' },
    ];
    for (const r of rollouts) t.cluster.api.behave(r.namespace, r.name, 'manual');
    await recordRollouts(t.store.spec, t.cluster, rollouts);
    const track = start(['--json', 'track', '--all']);
    await t.cluster.api.waitForWatches(2);
    for (const r of rollouts) while (t.cluster.api.step(r.namespace, r.name));
    const { code, stdout, stderr } = await track.result;
    expect(code, stderr).toBe(0);
    expect((JSON.parse(stdout) as DeploymentJson[]).map((d) => d.status)).toEqual(['success', 'success', 'success', 'success']);
    expect(t.cluster.api.watchRequests().map((r) => r.path).sort()).toEqual(['/apis/apps/v1/namespaces/prod/deployments', '/apis/apps/v1/namespaces/staging/deployments']);
  });

  it('two followers on one store never apply a transition twice', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) t.cluster.api.addDeployment('prod', name, { replicas: 1 });
    for (const name of names) t.cluster.api.behave('prod', name, 'manual');
    await recordRollouts(t.store.spec, t.cluster, names.map((name) => ({ app: name, env: 'prod', namespace: 'prod', name, image: `${name}:2` })));
    const followers = [start(['--verbose', 'track', '--all']), start(['--verbose', 'track', '--all'])];
    const stderrs = followers.map(stderrSoFar);
    await waitUntil('both followers have claimed what they could', () => stderrs.every((text) => /following \d of 6 deployments/.test(text())), () => stderrs.map((text) => text()).join('\n---\n'));
    for (const name of names) while (t.cluster.api.step('prod', name));
    const results = await Promise.all(followers.map((f) => f.result));
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const { deployments, events } = await snapshot(t.store);
    expect(deployments.map((d) => d.status)).toEqual(Array(names.length).fill('success'));
    const successes = events.filter((e) => e.to_status === 'success').map((e) => Number(e.deployment_id));
    expect(successes.sort()).toEqual(deployments.map((d) => Number(d.id)));
  });

  it('track --all --follow picks up a deployment recorded after it started and stops cleanly on SIGTERM', async () => {
    const watcher = start(['--verbose', 'track', '--all', '--follow']);
    const stderr = stderrSoFar(watcher);
    await waitUntil('the watcher has read what was recorded before it', () => stderr().includes('watching the store for newly recorded Kubernetes deployments'), stderr);
    const [, key] = await webRollout();
    await waitUntil('the watcher has settled the new deployment', () => stderr().includes('success: deployment "web" successfully rolled out'), stderr);
    watcher.kill('SIGTERM');
    const { code, stdout } = await watcher.result;
    expect(code).toBe(0);
    expect(stderr()).not.toMatch(/\n\s+at /);
    expect(stdout).toContain(`${key} web registry.example/web:2.0.0 -> prod: success`);
    expect((await show(key)).status).toBe('success');
  });

  it('a follower keeps its heartbeat fresh, and once it dies another follower takes its deployment over', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [id, key] = await webRollout();
    const leaseEnv = { SHIPLOG_HEARTBEAT_MS: '100', SHIPLOG_LEASE_TTL: '1s' };
    const first = start(['track', key], leaseEnv);
    await t.cluster.api.waitForWatches(1, 'prod');
    const heartbeat = async () => (await snapshot(t.store)).deployments.find((d) => Number(d.id) === id)!.heartbeat_at;
    const before = await heartbeat();
    await waitUntil('the heartbeat has moved on', async () => (await heartbeat()) !== before);
    first.kill('SIGKILL');
    await first.result;
    const second = start(['track', key], leaseEnv);
    await t.cluster.api.waitForWatches(2, 'prod');
    while (t.cluster.api.step('prod', 'web'));
    const { code, stderr } = await second.result;
    expect(code, stderr).toBe(0);
    expect((await show(key)).status).toBe('success');
  });

  it('403 from the API server ends track with exit 5 naming the context and server, and changes nothing', async () => {
    const [, key] = await webRollout();
    t.cluster.api.refuse(true);
    const { code, stderr, stdout } = await cli(['track', key]);
    expect(code).toBe(5);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `shiplog: the Kubernetes API at ${t.cluster.api.url} (context 'fake') does not allow listing Deployments in namespace prod (403 Forbidden); ask for that access there`,
    ]);
    expect((await show(key)).status).toBe('running');
  });

  it('a 403 on a watch that was working ends track with exit 5 instead of retrying forever', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = await webRollout();
    const track = start(['track', key]);
    await t.cluster.api.waitForWatches(1, 'prod');
    t.cluster.api.refuse(true);
    t.cluster.api.dropWatches();
    const { code, stderr } = await track.result;
    expect(code).toBe(5);
    expect(stderr).toContain('does not allow watching Deployments in namespace prod (403 Forbidden)');
    expect((await show(key)).status).toBe('running');
  });

  it('track needs ids or --all, and refuses a deployment that is not a Kubernetes one', async () => {
    const manual = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod']);
    const noIds = await cli(['track']);
    expect(noIds.code).toBe(2);
    expect(noIds.stderr).toContain('name the deployments to track, or pass --all');
    const notKube = await cli(['track', manual.json.key]);
    expect(notKube.code).toBe(2);
    expect(notKube.stderr.trim()).toBe(`shiplog: ${manual.json.key} is a manual deployment, not a Kubernetes or Helm one; track follows deployments made with --k8s or --helm`);
    expect((await cli(['track', '--follow'])).code).toBe(2);
    expect((await cli(['track', '999'])).code).toBe(2);
    expect((await cli(['track', '--all', '--timeout', 'soon'])).code).toBe(2);
  });

  it('a deployment whose change was never applied (still pending) is not followed: track says so and exits 3', async () => {
    const [id, key] = await webRollout();
    await execSql(t.store, "update deployments set status = 'pending', started_at = null where id = ?", [id]);
    const { code, stderr } = await cli(['track', key]);
    expect(code).toBe(3);
    expect(stderr.trim()).toBe(`${key} has not started yet (its deploy is still applying the change, or died before it did); track it once it is running`);
    expect((await show(key)).status).toBe('pending');
  });

  it('a record whose context is not in the kubeconfig cannot be tracked: exit 5 naming the context', async () => {
    const [id, key] = await webRollout();
    await execSql(t.store, 'update deployments set target = ? where id = ?', [JSON.stringify({ namespace: 'prod', name: 'web', context: 'elsewhere', generation: 2 }), id]);
    const { code, stderr } = await cli(['track', key]);
    expect(code).toBe(5);
    expect(stderr.trim()).toBe(`shiplog: kubeconfig ${t.cluster.kubeconfig} has no context 'elsewhere'; list them with 'kubectl config get-contexts'`);
  });
});
