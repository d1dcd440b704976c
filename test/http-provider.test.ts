import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Step } from '../fixtures/http-status-loopback.js';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv, quickPolling } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const token = 'tok-7d1e-for-http-tests';

describeEachStore('deploy --status-url and poll on %s', (kind) => {
  const fake = new HttpStatusFake({ statusField: 'deploy.state', requireHeaders: { authorization: `Bearer ${token}` } });
  const open = new HttpStatusFake();
  /** Another origin (another port of the same host) that a status URL may redirect to. */
  const elsewhere = new HttpStatusFake();
  let store: TestStore;
  let path = '';
  beforeAll(async () => {
    await fake.start();
    await open.start();
    await elsewhere.start();
  });
  afterAll(async () => {
    await fake.close();
    await open.close();
    await elsewhere.close();
  });
  beforeEach(async () => {
    store = await createTestStore(kind);
    path = `/deploys/${Math.random().toString(36).slice(2, 10)}`;
  });
  afterEach(() => store.cleanup());

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...quickPolling, DEPLOY_TOKEN: token, ...extra });
  const deploy = (url: string, ...more: string[]) => ['--db', store.spec, 'deploy', '--app', 'api', '--env', 'prod', '--version', '3.1.0', '--status-url', url, ...more];
  /** The fake that wants `Authorization: Bearer $DEPLOY_TOKEN` and reads `deploy.state`. */
  const guarded = (...more: string[]) => deploy(fake.url(path), '--status-field', 'deploy.state', '--header', 'Authorization: Bearer env:DEPLOY_TOKEN', ...more);
  const waiting = (...more: string[]) => guarded('--wait', '--interval', '100ms', ...more);

  it('a deploy that waits follows the status field to a success value, sending the header from the environment', async () => {
    fake.script(path, [{ status: 'queued' }, { status: 'rolling' }, { status: 'Done' }]);
    const { result, json } = await runCliJson(waiting('--success-values', 'done,live', '--failure-values', 'broken'), { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ provider: 'http', status: 'success', error: null });
    expect(json.target).toEqual({
      url: fake.url(path),
      statusField: 'deploy.state',
      successValues: ['done', 'live'],
      failureValues: ['broken'],
      headers: [{ name: 'Authorization', env: 'DEPLOY_TOKEN', scheme: 'Bearer' }],
    });
    expect(fake.reads(path)).toBe(3);
    expect(result.stderr).toContain('status URL says rolling (not final yet)');
  });

  it('a failure value ends the record failed with exit 1', async () => {
    fake.script(path, [{ status: 'rolling' }, { status: 'error' }]);
    const { result, json } = await runCliJson(waiting(), { env: env() });
    expect(result.code, result.stderr).toBe(1);
    expect(json).toMatchObject({ status: 'failed', error: "status URL reported 'error' (a failure value)" });
  });

  it('an answer without the status field is unknown: polled on, said so, never success', async () => {
    fake.script(path, [{ json: { deploy: {} } }, { json: { other: 'success' } }, { status: 'succeeded' }]);
    const result = await runCli(waiting(), { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const details = (await snapshot(store)).events.map((e) => e.detail);
    expect(details).toContain("status URL says '(none)', which is unknown (no value at deploy.state); still polling, never taken for success");
  });

  it('429 and 500 answers are retried and recorded, and the deployment still ends by its status', async () => {
    fake.script(path, [{ http: 429, retryAfter: '0' }, { http: 500 }, { status: 'deployed' }]);
    const result = await runCli(waiting(), { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const details = (await snapshot(store)).events.map((e) => String(e.detail));
    expect(details.filter((d) => /^status URL answered HTTP (429 \(rate limited\)|500); retry \d/.test(d))).toHaveLength(2);
  });

  it('a deploy that does not wait records it running, and a later poll resolves it with the variable of its own environment', async () => {
    fake.script(path, [{ status: 'rolling' }, { status: 'completed' }]);
    const { result, json } = await runCliJson(guarded(), { env: { ...env(), DEPLOY_TOKEN: '' } });
    expect(result.code, result.stderr).toBe(0);
    expect(json.status).toBe('running');
    expect(fake.reads(path)).toBe(0);
    const polled = await runCliJson(['--db', store.spec, 'poll', json.key, '--interval', '100ms'], { env: env() });
    expect(polled.result.code, polled.result.stderr).toBe(0);
    expect(polled.json).toMatchObject({ key: json.key, status: 'success' });
  });

  it('a header variable that is not set stops the deploy that waits with exit 5 before anything is recorded', async () => {
    const result = await runCli(waiting(), { env: env({ DEPLOY_TOKEN: '' }) });
    expect(result.code).toBe(5);
    expect(result.stderr.trim()).toBe('shiplog: header Authorization takes its value from $DEPLOY_TOKEN, which is not set here; set it and run again');
    expect((await snapshot(store)).deployments).toEqual([]);
  });

  it('a refused request stops with exit 5 and a line naming the header and its variable; the record stays running and the line says how to resume', async () => {
    fake.script(path, [{ status: 'rolling' }]);
    const result = await runCli(waiting('--key', 'ci-41'), { env: env({ DEPLOY_TOKEN: 'stale-token' }) });
    expect(result.code).toBe(5);
    const [row] = (await snapshot(store)).deployments;
    expect(row).toMatchObject({ status: 'running', lease_owner: null });
    expect(result.stderr.trim()).toBe(
      `shiplog: the status URL refused the request (HTTP 401): check the credentials its headers carry (Authorization from $DEPLOY_TOKEN); ${row!.key} stays running: once that is fixed, resume with 'shiplog poll ${row!.key}' or this deploy again with --key 'ci-41'`,
    );
  });

  it('the same deploy again with its key, once the token is fixed, follows the running record to its end', async () => {
    fake.script(path, [{ status: 'rolling' }]);
    const retried = waiting('--key', 'ci-42', '--success-values', 'done');
    expect((await runCli(retried, { env: env({ DEPLOY_TOKEN: 'stale-token' }) })).code).toBe(5);
    fake.script(path, [{ status: 'rolling' }, { status: 'done' }]);
    const { result, json } = await runCliJson(retried, { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${json.key} was already recorded with key 'ci-42' and is still running: following it again`);
    expect(json.status).toBe('success');
    expect((await snapshot(store)).deployments).toHaveLength(1);
  });

  it('a literal header value is sent by the deploy that waits and stored nowhere', async () => {
    open.script(path, [{ status: 'success' }]);
    const { result, json } = await runCliJson(deploy(open.url(path), '--header', 'X-Deploy-Key: lit-4417-value', '--wait', '--interval', '100ms'), { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(open.server.requests.at(-1)!.headers['x-deploy-key']).toBe('lit-4417-value');
    expect(json.target).toMatchObject({ headers: [{ name: 'X-Deploy-Key', notStored: true }] });
    expect(JSON.stringify(await snapshot(store))).not.toContain('lit-4417-value');
  });

  it('a literal header value without --wait is refused with exit 2, since no later poll could send it', async () => {
    const result = await runCli(deploy(open.url(path), '--header', 'X-Deploy-Key: lit-4417-value'), { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--header X-Deploy-Key: a literal header value is never stored, so only a deploy that waits can send it; add --wait, or write 'X-Deploy-Key: env:VAR'");
    expect(result.stderr).not.toContain('lit-4417-value');
    expect((await snapshot(store)).deployments).toEqual([]);
  });

  it('a later poll of a deployment whose header was literal stops with exit 5 and says why', async () => {
    open.script(path, [{ status: 'rolling' }]);
    const first = await runCliJson(deploy(open.url(path), '--header', 'X-Deploy-Key: lit-4417-value', '--wait', '--interval', '100ms', '--timeout', '600ms'), { env: env() });
    expect(first.result.code).toBe(3);
    const result = await runCli(['--db', store.spec, 'poll', first.json.key], { env: env() });
    expect(result.code).toBe(5);
    expect(result.stderr.trim()).toBe(
      `shiplog: ${first.json.key}: header X-Deploy-Key was given to deploy as a literal value, which shiplog never stores, so this process cannot send it; deploy with --header 'X-Deploy-Key: env:VAR' to poll later`,
    );
  });

  it('a redirect to another origin is not followed with the headers: exit 5, a line saying so, the record still running', async () => {
    open.script(path, [{ redirect: elsewhere.url(path) }]);
    elsewhere.script(path, [{ status: 'success' }]);
    const withKey = deploy(open.url(path), '--header', 'X-Api-Key: env:API_KEY', '--interval', '100ms');

    const result = await runCli([...withKey, '--wait'], { env: env({ API_KEY: 'key-31c9-not-for-elsewhere' }) });

    expect(result.code, result.stderr).toBe(5);
    const rows = await snapshot(store);
    const key = String(rows.deployments[0]!.key);
    expect(result.stderr.trim()).toBe(
      `shiplog: the status URL redirects to ${elsewhere.server.url}, another origin; shiplog does not send its headers (X-Api-Key from $API_KEY) there, so it stopped: if that server should have them, record the deployment with its address as --status-url; ${key} stays running: once that is fixed, resume with 'shiplog poll ${key}'`,
    );
    expect(elsewhere.server.requests).toEqual([]);
    expect(rows.deployments).toMatchObject([{ status: 'running' }]);
    expect(rows.events.map((event) => event.detail)).toContainEqual(expect.stringMatching(/^polling stopped: the status URL redirects to .*, another origin/));

    const later = await runCli(['--db', store.spec, 'poll', key], { env: env({ API_KEY: 'key-31c9-not-for-elsewhere' }) });
    expect(later.code).toBe(5);
    expect(elsewhere.server.requests).toEqual([]);
  });

  it('a redirect within the same origin is followed with the headers', async () => {
    open.script(path, [{ redirect: `${path}/moved`, http: 301 }]);
    open.script(`${path}/moved`, [{ status: 'running' }, { status: 'success' }]);

    const { result, json } = await runCliJson(deploy(open.url(path), '--header', 'X-Api-Key: env:API_KEY', '--wait', '--interval', '100ms'), { env: env({ API_KEY: 'key-5a20' }) });

    expect(result.code, result.stderr).toBe(0);
    expect(json.status).toBe('success');
    expect(open.server.requests.filter((r) => r.path === `${path}/moved`).map((r) => r.headers['x-api-key'])).toEqual(['key-5a20', 'key-5a20']);
  });

  it('a redirect to another origin is followed when the request carries no headers', async () => {
    open.script(path, [{ redirect: elsewhere.url(path), http: 307 }]);
    elsewhere.script(path, [{ status: 'success' }]);

    const { result, json } = await runCliJson(deploy(open.url(path), '--wait', '--interval', '100ms'), { env: env() });

    expect(result.code, result.stderr).toBe(0);
    expect(json.status).toBe('success');
    expect(elsewhere.reads(path)).toBe(1);
  });

  it.each([
    [['--status-field', 'state'], '--status-field, --success-values, --failure-values and --header go with --status-url'],
    [['--status-url', 'ftp://x/y'], '--status-url: only http and https URLs are supported'],
    [['--status-url', 'http://127.0.0.1:9/x', '--status-field', 'a..b'], "--status-field: 'a..b' is not a path"],
    [['--status-url', 'http://127.0.0.1:9/x', '--header', 'no colon here'], "--header: write it as 'Name: value'"],
  ])('bad input %j exits 2 and records nothing', async (options, message) => {
    const result = await runCli(['--db', store.spec, 'deploy', '--app', 'api', '--env', 'prod', ...options], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect((await snapshot(store)).deployments).toEqual([]);
  });

  it('poll --all follows NCP and HTTP deployments together and exits by the worst of them', async () => {
    const ncp = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
    await ncp.start();
    try {
      await seedNcpDeployments(store.spec, ncp, ['billing'], [{ status: 'inprogress' }, { status: 'reject' }] satisfies Step[]);
      open.script(path, [{ status: 'rolling' }, { status: 'done' }]);
      expect((await runCli(deploy(open.url(path)), { env: env() })).code).toBe(0);
      const { result, json } = await runCliJson<DeploymentJson[]>(['--db', store.spec, 'poll', '--all', '--interval', '100ms'], { env: { ...ncpEnv(ncp), ...env() } });
      expect(result.code, result.stderr).toBe(1);
      expect(Object.fromEntries(json.map((d) => [d.provider, d.status]))).toEqual({ ncp: 'failed', http: 'success' });
    } finally {
      await ncp.close();
    }
  });
});
