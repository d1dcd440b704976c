import { expect, it } from 'vitest';
import type { Step } from '../fixtures/http-status-loopback.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { runCli, runCliJson, startCli } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

const ncp = (scenario: string) => ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', scenario];

describeEachStore('deploy --ncp-* on %s', (kind) => {
  const suite = ncpSuite(kind);
  const { fake } = suite;
  const deploy = (scenario: string, ...more: string[]) => ['--db', suite.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.4.0', ...ncp(scenario), ...more];
  const waiting = (scenario: string, ...more: string[]) => deploy(scenario, '--wait', '--interval', '100ms', ...more);

  it('a deploy that waits follows the run to success and keeps its history id', async () => {
    fake.scriptScenario('s-ok', [{ status: 'waiting' }, { status: 'inprogress', times: 2 }, { status: 'success' }]);
    const { result, json } = await runCliJson(waiting('s-ok'), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ provider: 'ncp', status: 'success', error: null });
    expect(json.target).toEqual({ projectId: '10', stageId: '20', scenarioId: 's-ok', endpoint: `${fake.url}/`, ncpDeployId: fake.started().at(-1) });
    const { events } = await snapshot(suite.store);
    expect(events.map((e) => e.detail)).toEqual([null, 'started', 'NCP says waiting (waiting to deploy)', 'NCP says inprogress (in progress)', 'NCP says success']);
    expect(events.at(-1)).toMatchObject({ from_status: 'running', to_status: 'success', source: 'poll' });
  });

  it.each<[string, string, Step[], string, number, string]>([
    ['a failed run', 's-fail', [{ status: 'inprogress' }, { status: 'fail' }], 'failed', 1, "NCP reported 'fail' (deployment failed)"],
    ['a cancelled run', 's-cancel', [{ status: 'canceling' }, { status: 'canceled' }], 'cancelled', 1, "NCP reported 'canceled' (cancelled)"],
    ['a run rejected at approval', 's-reject', [{ status: 'pending' }, { status: 'reject' }], 'failed', 1, "NCP reported 'reject' (rejected at approval)"],
    ['a canary that timed out', 's-canary', [{ status: 'canary_analyzing' }, { status: 'canary_waiting_timeout' }], 'failed', 1, "NCP reported 'canary_waiting_timeout' (canary analysis timed out)"],
  ])('%s ends the record as NCP reported it', async (_name, scenario, steps, status, code, error) => {
    fake.scriptScenario(scenario, steps);
    const { result, json } = await runCliJson(waiting(scenario), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(code);
    expect(json).toMatchObject({ status, error });
  });

  it('a run awaiting approval is followed on until it is approved and succeeds', async () => {
    fake.scriptScenario('s-approval', [{ status: 'pending', times: 3 }, { status: 'inprogress' }, { status: 'success' }]);
    const result = await runCli(waiting('s-approval'), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('NCP says pending (awaiting approval)');
    expect(result.stdout).toMatch(/web 1\.4\.0 -> prod: success/);
  });

  it('answers without the result wrapper are understood too', async () => {
    const bare = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey, unwrapped: true });
    await bare.start();
    try {
      bare.scriptScenario('s-bare', [{ status: 'inprogress' }, { status: 'success' }]);
      const { result, json } = await runCliJson(waiting('s-bare'), { env: ncpEnv(bare) });
      expect(result.code, result.stderr).toBe(0);
      expect(json).toMatchObject({ status: 'success', target: { ncpDeployId: bare.started()[0] } });
    } finally {
      await bare.close();
    }
  });

  it('a deploy that does not wait starts the run, exits 0 and leaves it running for poll', async () => {
    fake.scriptScenario('s-later', [{ status: 'inprogress' }, { status: 'success' }]);
    const { result, json } = await runCliJson(deploy('s-later'), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'running', target: { ncpDeployId: fake.started().at(-1) } });
    expect(fake.reads(fake.started().at(-1)!)).toBe(0);
    const polled = await runCliJson(['--db', suite.store.spec, 'poll', json.key, '--interval', '100ms'], { env: ncpEnv(fake) });
    expect(polled.result.code, polled.result.stderr).toBe(0);
    expect(polled.json).toMatchObject({ key: json.key, status: 'success' });
  });

  it('the NCP_ACCESS_KEY and NCP_SECRET_KEY names are accepted too', async () => {
    fake.scriptScenario('s-alt', [{ status: 'success' }]);
    const env = { ...ncpEnv(fake), NCLOUD_ACCESS_KEY: '', NCLOUD_SECRET_KEY: '', NCP_ACCESS_KEY: fakeAccessKey, NCP_SECRET_KEY: fakeSecretKey };
    const result = await runCli(waiting('s-alt'), { env });
    expect(result.code, result.stderr).toBe(0);
  });

  it('the endpoint option wins over the environment', async () => {
    fake.scriptScenario('s-endpoint', [{ status: 'success' }]);
    const env = { ...ncpEnv(fake), NCLOUD_SOURCEDEPLOY_ENDPOINT: 'http://127.0.0.1:9' };
    const { result, json } = await runCliJson(waiting('s-endpoint', '--ncp-endpoint', fake.url), { env });
    expect(result.code, result.stderr).toBe(0);
    expect(json.target).toMatchObject({ endpoint: `${fake.url}/` });
  });

  it('missing credentials end with exit 5 and one line, and record nothing', async () => {
    const result = await runCli(waiting('s-ok'), { env: { ...ncpEnv(fake), NCLOUD_SECRET_KEY: '' } });
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toEqual(['shiplog: NCP credentials missing: set NCLOUD_SECRET_KEY (or NCP_ACCESS_KEY / NCP_SECRET_KEY)']);
    expect((await snapshot(suite.store)).deployments).toEqual([]);
  });

  it.each([
    [['--ncp-project', '10', '--ncp-stage', '20'], 'missing --ncp-scenario'],
    [[...ncp('x y')], "--ncp-scenario: 'x y' is not an NCP id"],
    [[...ncp('s'), '--ncp-endpoint', 'not a url'], '--ncp-endpoint: not a URL'],
    [[...ncp('s'), '--status-url', 'http://127.0.0.1:9/x'], 'choose one provider'],
    [[...ncp('s'), '--wait', '--interval', '10ms'], '--interval'],
  ])('bad input %j exits 2 and records nothing', async (options, message) => {
    const result = await runCli(['--db', suite.store.spec, 'deploy', '--app', 'web', '--env', 'prod', ...options], { env: ncpEnv(fake) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect((await snapshot(suite.store)).deployments).toEqual([]);
  });

  it('credentials the gateway refuses at start record a failed deployment and exit 5', async () => {
    const before = fake.authFailures;
    const result = await runCli(waiting('s-ok'), { env: ncpEnv(fake, { NCLOUD_SECRET_KEY: 'not-the-secret' }) });
    expect(result.code).toBe(5);
    expect(fake.authFailures).toBe(before + 1);
    expect(result.stderr.trim()).toBe(
      'shiplog: NCP SourceDeploy refused the credentials (HTTP 401, Authentication Failed): check NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY, and that the key may use SourceDeploy',
    );
    expect(result.stdout).toBe('');
    expect((await snapshot(suite.store)).deployments).toMatchObject([{ status: 'failed', provider: 'ncp', lease_owner: null }]);
  });

  it('a start that meets a server error is left stale, not failed, says it may have started, and exits 5', async () => {
    fake.scriptStart('s-broken', { http: 502 });
    const result = await runCli(waiting('s-broken'), { env: ncpEnv(fake) });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('could not start NCP scenario s-broken: SourceDeploy answered HTTP 502; it may have started anyway');
    const rows = (await snapshot(suite.store)).deployments;
    expect(rows).toMatchObject([{ status: 'stale', provider: 'ncp', lease_owner: null }]);
    expect(String(rows[0]!.error)).toContain('HTTP 502');
  });

  it('Ctrl-C during a deploy that waits leaves the record running and unleased, and the remote run alone', async () => {
    fake.scriptScenario('s-interrupted', [{ status: 'inprogress' }]);
    const child = startCli(waiting('s-interrupted'), { env: ncpEnv(fake) });
    await until(async () => (await snapshot(suite.store)).deployments[0]?.status === 'running' && fake.reads(fake.started().at(-1)!) > 0);
    child.kill('SIGINT');
    const result = await child.result;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/interrupted: dep_\w+ stays running; resume with 'shiplog poll dep_\w+'/);
    expect((await snapshot(suite.store)).deployments).toMatchObject([{ status: 'running', lease_owner: null }]);
    expect(fake.cancels).toEqual([]);
  });

  it('a deploy that waits past its --timeout leaves the record timeout and exits 3', async () => {
    fake.scriptScenario('s-slow', [{ status: 'inprogress' }]);
    const { result, json } = await runCliJson(waiting('s-slow', '--timeout', '700ms'), { env: ncpEnv(fake) });
    expect(result.code, result.stderr).toBe(3);
    expect(json).toMatchObject({ status: 'timeout' });
  });
});
