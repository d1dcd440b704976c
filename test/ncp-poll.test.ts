import { expect, it } from 'vitest';
import type { Step } from '../fixtures/http-status-loopback.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments, type SeededDeployment } from '../fixtures/ncp-seed.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { execSql, snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('poll of NCP deployments on %s', (kind) => {
  const suite = ncpSuite(kind);
  const { fake } = suite;

  /** One running NCP deployment whose run answers `steps`, recorded as `deploy` without --wait leaves it. */
  async function started(steps: Step[], app = 'web'): Promise<SeededDeployment> {
    return (await seedNcpDeployments(suite.store.spec, fake, [app], steps))[0]!;
  }

  const poll = (...args: string[]) => ['--db', suite.store.spec, 'poll', '--interval', '100ms', ...args];
  const record = async (key: string) => (await snapshot(suite.store)).deployments.find((d) => d.key === key)!;
  const events = async (key: string) => {
    const { deployments, events } = await snapshot(suite.store);
    const id = deployments.find((d) => d.key === key)!.id;
    return events.filter((e) => e.deployment_id === id);
  };
  const notes = async (key: string) => (await events(key)).map((e) => String(e.detail ?? ''));

  it('a 429 storm is retried with backoff, recorded as events, and never becomes success', async () => {
    const { key, historyId } = await started([{ http: 429, retryAfter: '0' }]);
    const result = await runCli(poll(key, '--timeout', '3s'), { env: ncpEnv(fake) });
    expect(result.code).toBe(3);
    expect((await record(key)).status).toBe('timeout');
    const retries = (await notes(key)).filter((detail) => detail.startsWith('NCP answered HTTP 429 (rate limited); retry'));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    // One event per answer; a request the time limit cut short has no answer to record.
    expect(retries.length).toBeLessThanOrEqual(fake.reads(historyId));
    // Backoff: the gaps grow (100ms doubling, capped at 400ms), so far fewer requests than one per 100ms (~30).
    expect(fake.reads(historyId)).toBeLessThan(12);
  });

  it('Retry-After is honoured even when it asks for more than the backoff would wait', async () => {
    const { key, historyId } = await started([{ http: 429, retryAfter: '1' }, { status: 'success' }]);
    const result = await runCli(poll(key), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    const times = fake.server.requests.filter((r) => r.path.endsWith(`/history/${historyId}`)).map((r) => r.at);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('500s then success: the failures are events, the outcome is success', async () => {
    const { key } = await started([{ http: 500, times: 2 }, { http: 503 }, { status: 'inprogress' }, { status: 'success' }]);
    const { result, json } = await runCliJson(poll(key), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ key, status: 'success' });
    const details = await notes(key);
    expect(details.filter((d) => /^NCP answered HTTP 50[03]; retry \d/.test(d))).toHaveLength(3);
    expect(details.at(-1)).toBe('NCP says success');
  });

  it('a request that hangs is given up after the request timeout and tried again', async () => {
    const { key } = await started([{ hang: true }, { status: 'success' }]);
    const result = await runCli(poll(key), { env: ncpEnv(fake, { SHIPLOG_REQUEST_TIMEOUT: '500ms' }) });
    expect(result.code, result.stderr).toBe(0);
    expect(await notes(key)).toEqual(expect.arrayContaining([expect.stringMatching(/^NCP gave no answer within 500ms; retry 1 in \d+ms$/), 'NCP says success']));
  });

  it('garbage instead of JSON is retried, not read as a status', async () => {
    const { key } = await started([{ garbage: '<html>502 Bad Gateway</html>' }, { garbage: '{"result":' }, { status: 'success' }]);
    const result = await runCli(poll(key), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect((await notes(key)).filter((d) => d.startsWith('NCP answer is not JSON (HTTP 200'))).toHaveLength(2);
  });

  it('an unknown status keeps the poll going, says so, and never counts as success', async () => {
    const { key } = await started([{ status: 'exploded' }]);
    const result = await runCli(poll(key, '--timeout', '2s'), { env: ncpEnv(fake) });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("NCP says 'exploded', which is unknown");
    expect((await record(key)).status).toBe('timeout');
    expect(await notes(key)).toContain("NCP says 'exploded', which is unknown (not an NCP SourceDeploy status shiplog knows); still polling, never taken for success");
  });

  it('refused credentials stop the poll with exit 5 and one clear line; the record stays running', async () => {
    const { key } = await started([{ status: 'inprogress' }]);
    const result = await runCli(poll(key), { env: ncpEnv(fake, { NCLOUD_SECRET_KEY: 'wrong-secret' }) });
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toEqual([
      'shiplog: NCP SourceDeploy refused the credentials (HTTP 401, Authentication Failed): check NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY, and that the key may use SourceDeploy',
    ]);
    expect((await record(key)).status).toBe('running');
    expect((await notes(key)).at(-1)).toMatch(/^polling stopped: NCP SourceDeploy refused the credentials/);
    expect(await record(key)).toMatchObject({ lease_owner: null });
  });

  it('a deployment that timed out is resolved by a later poll', async () => {
    const { key, historyId } = await started([{ status: 'inprogress' }]);
    const first = await runCli(poll(key, '--timeout', '500ms'), { env: ncpEnv(fake) });
    expect(first.code).toBe(3);
    expect((await record(key)).status).toBe('timeout');
    fake.script(historyId, [{ status: 'success' }]);
    const { result, json } = await runCliJson(poll(key), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', error: null });
    const transitions = (await events(key)).filter((e) => e.from_status !== e.to_status).map((e) => `${e.from_status}->${e.to_status}`);
    expect(transitions).toEqual(['null->running', 'running->timeout', 'timeout->success']);
  });

  it('--all polls every open NCP deployment, and the exit code is the worst outcome', async () => {
    await started([{ status: 'success' }], 'ok');
    await started([{ status: 'inprogress' }, { status: 'fail' }], 'broken');
    await started([{ status: 'inprogress' }], 'slow');
    const { result, json } = await runCliJson<DeploymentJson[]>(poll('--all', '--timeout', '2s'), { env: ncpEnv(fake) });
    expect(result.code).toBe(3);
    expect(Object.fromEntries(json.map((d) => [d.app, d.status]))).toEqual({ ok: 'success', broken: 'failed', slow: 'timeout' });
    const again = await runCli(poll('--all', '--unresolved', '--timeout', '300ms'), { env: ncpEnv(fake) });
    expect(again.code).toBe(3);
  });

  it('failed outranks success in the exit code when nothing is left unresolved', async () => {
    const ok = await started([{ status: 'success' }], 'ok');
    const broken = await started([{ status: 'canceled' }], 'broken');
    const result = await runCli(poll(ok.key, broken.key), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/ok 2\.0\.0 -> prod: success/);
    expect(result.stdout).toMatch(/broken 2\.0\.0 -> prod: cancelled/);
  });

  it('100 deployments at once never have more than --concurrency 8 requests in flight', async () => {
    const busy = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey, latencyMs: 25 });
    await busy.start();
    try {
      const seeded = await seedNcpDeployments(suite.store.spec, busy, 100, [{ status: 'inprogress' }, { status: 'success' }]);
      const { result, json } = await runCliJson<DeploymentJson[]>(['--db', suite.store.spec, 'poll', '--all', '--interval', '200ms', '--concurrency', '8'], {
        env: ncpEnv(busy),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(json).toHaveLength(100);
      expect(json.every((d) => d.status === 'success')).toBe(true);
      expect(busy.server.peakInFlight).toBeLessThanOrEqual(8);
      expect(busy.server.peakInFlight).toBeGreaterThanOrEqual(4);
      expect(seeded.every(({ historyId }) => busy.reads(historyId) === 2)).toBe(true);
    } finally {
      await busy.close();
    }
  });

  it('Ctrl-C stops cleanly: records stay running and unleased, the remote run is not cancelled, a later poll resolves them', async () => {
    const { key, historyId } = await started([{ status: 'inprogress' }]);
    const child = startCli(poll(key, '--timeout', '30s'), { env: ncpEnv(fake) });
    await until(() => fake.reads(historyId) >= 2);
    const polling = (await snapshot(suite.store)).deployments[0]!;
    expect(polling).toMatchObject({ status: 'running' });
    expect(polling.lease_owner).not.toBeNull();
    const beat = String(polling.heartbeat_at);
    await until(async () => String((await snapshot(suite.store)).deployments[0]!.heartbeat_at) > beat);

    const other = await runCli(poll('--all', '--timeout', '300ms'), { env: ncpEnv(fake) });
    expect(other.code).toBe(3);
    expect(other.stderr).toContain(`${key} is followed by another shiplog process, or by one that stopped less than 30s ago; left to it`);

    child.kill('SIGINT');
    const result = await child.result;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`resume with 'shiplog poll ${key}'`);
    expect((await snapshot(suite.store)).deployments[0]).toMatchObject({ status: 'running', lease_owner: null });
    expect(fake.cancels).toEqual([]);

    fake.script(historyId, [{ status: 'success' }]);
    const resumed = await runCli(poll(key), { env: ncpEnv(fake) });
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it.each([
    [[], 'name the deployments to poll, or pass --all'],
    [['--all', '1'], 'pass deployment ids or --all, not both'],
    [['dep_NOPE'], 'no deployment dep_NOPE'],
    [['--all', '--interval', 'soon'], "--interval: 'soon' is not a duration"],
    [['--all', '--concurrency', '0'], "--concurrency: '0' is not a whole number"],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const result = await runCli(['--db', suite.store.spec, 'poll', ...args], { env: ncpEnv(fake) });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('a deployment that is not NCP or HTTP is refused with exit 2 and left untouched', async () => {
    const manual = await runCliJson(['--db', suite.store.spec, 'deploy', '--app', 'web', '--env', 'dev']);
    const before = await snapshot(suite.store);
    const result = await runCli(['--db', suite.store.spec, 'poll', manual.json.key], { env: ncpEnv(fake) });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`shiplog: ${manual.json.key} is a manual deployment, and poll follows NCP and HTTP ones; close it with 'shiplog finish'`);
    expect(await snapshot(suite.store)).toEqual(before);
  });

  it('a deployment that never started (no history id) is reported, left as it is, and exits 3', async () => {
    const { id, key } = await started([{ status: 'success' }]);
    await execSql(suite.store, "update deployments set status = 'pending', started_at = null, target = ? where id = ?", [JSON.stringify({ projectId: '10', stageId: '20', scenarioId: '30', endpoint: `${fake.url}/` }), id]);
    const before = await snapshot(suite.store);
    const result = await runCli(poll(key), { env: ncpEnv(fake) });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${key} never started (no ncp run to poll); close it with 'shiplog finish ${key} --status failed'`);
    expect(await snapshot(suite.store)).toEqual(before);
  });

  it('a deployment already final is printed and exits by its status, with no request made', async () => {
    const { key, historyId } = await started([{ status: 'fail' }]);
    await runCli(poll(key), { env: ncpEnv(fake) });
    const reads = fake.reads(historyId);
    const { result, json } = await runCliJson(poll(key), { env: ncpEnv(fake) });
    expect(result.code).toBe(1);
    expect(json).toMatchObject({ key, status: 'failed' });
    expect(fake.reads(historyId)).toBe(reads);
  });

  it('missing credentials are refused before anything is written', async () => {
    const { key } = await started([{ status: 'success' }]);
    const before = await snapshot(suite.store);
    const result = await runCli(poll(key), { env: { ...ncpEnv(fake), NCLOUD_ACCESS_KEY: '' } });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('NCP credentials missing: set NCLOUD_ACCESS_KEY');
    expect(await snapshot(suite.store)).toEqual(before);
  });

  it('with nothing open, poll --all says so and exits 0', async () => {
    const { result, json } = await runCliJson<unknown[]>(['--db', suite.store.spec, 'poll', '--all'], { env: ncpEnv(fake) });
    expect(result.code).toBe(0);
    expect(json).toEqual([]);
    expect(result.stderr).toContain('no open NCP or HTTP deployments to poll');
  });
});
