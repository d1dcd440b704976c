import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { runCli, type CliResult } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { serveDuringSuite } from './support/serve-during.js';

/** Every secret of this test carries this mark, so one search finds any of them anywhere. */
const mark = 'ShIpLoG-SeCrEt-5f1c';
const accessKey = `${mark}-access`;
const secretKey = `${mark}-secret`;
const token = `${mark}-token`;
const literal = `${mark}-literal`;

describeEachStore('secrets on %s', (kind) => {
  const ncp = new NcpSourceDeployFake({ accessKey, secretKey });
  const http = new HttpStatusFake({ requireHeaders: { authorization: `Bearer ${token}` } });
  let store: TestStore;
  serveDuringSuite(ncp, http);
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(() => store.cleanup());

  it('no NCP key, header token or literal header value appears in any output, the store or its events, on any path', async () => {
    const env = { ...quickPolling, NCLOUD_ACCESS_KEY: accessKey, NCLOUD_SECRET_KEY: secretKey, NCLOUD_SOURCEDEPLOY_ENDPOINT: ncp.url, DEPLOY_TOKEN: token };
    const wrongSecret = { ...env, NCLOUD_SECRET_KEY: `${mark}-wrong` };
    const wrongToken = { ...env, DEPLOY_TOKEN: `${mark}-stale` };
    const runs: CliResult[] = [];
    let app = 0;
    const deploy = (...args: string[]) => ['--db', store.spec, '--verbose', 'deploy', '--app', `app-${(app += 1)}`, '--env', 'prod', ...args];
    const ncpScenario = (scenario: string, steps: Parameters<NcpSourceDeployFake['scriptScenario']>[1]) => {
      ncp.scriptScenario(scenario, steps);
      return ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', scenario];
    };
    const statusUrl = (path: string, steps: Parameters<HttpStatusFake['script']>[1]) => {
      http.script(path, steps);
      return ['--status-url', http.url(path)];
    };
    const run = async (args: string[], runEnv: NodeJS.ProcessEnv, code: number) => {
      const result = await runCli(args, { env: runEnv });
      runs.push(result);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(code);
      return result;
    };
    const wait = ['--wait', '--interval', '100ms'];

    // NCP: success, failure, refused at start, a start that errors, a deploy polled later, a poll refused.
    await run(deploy(...ncpScenario('ok', [{ status: 'inprogress' }, { status: 'success' }]), ...wait), env, 0);
    await run([...deploy(...ncpScenario('bad', [{ status: 'fail' }]), ...wait), '--json'], env, 1);
    await run(deploy(...ncpScenario('ok', [{ status: 'success' }]), ...wait), wrongSecret, 5);
    ncp.scriptStart('broken', { http: 500 });
    await run(deploy(...ncpScenario('broken', [{ status: 'success' }]), ...wait), env, 5);
    const later = await run([...deploy(...ncpScenario('later', [{ http: 429, retryAfter: '0' }, { garbage: 'x' }, { status: 'success' }])), '--json'], env, 0);
    const laterKey = (JSON.parse(later.stdout) as { key: string }).key;
    await run(['--db', store.spec, '--verbose', 'poll', laterKey, '--interval', '100ms'], wrongSecret, 5);
    await run(['--db', store.spec, '--verbose', 'poll', laterKey, '--interval', '100ms'], env, 0);

    // HTTP: env header success and refusal, literal header with and without --wait, a later poll that lacks it,
    // a malformed header holding a secret.
    await run(deploy(...statusUrl('/ok', [{ status: 'running' }, { status: 'success' }]), '--header', 'Authorization: Bearer env:DEPLOY_TOKEN', ...wait), env, 0);
    await run([...deploy(...statusUrl('/refused', [{ status: 'success' }]), '--header', 'Authorization: Bearer env:DEPLOY_TOKEN', ...wait), '--json'], wrongToken, 5);
    await run(deploy(...statusUrl('/literal', [{ status: 'success' }]), '--header', `Authorization: Bearer ${token}`, '--header', `X-Extra: ${literal}`, ...wait), env, 0);
    await run(deploy(...statusUrl('/literal', [{ status: 'success' }]), '--header', `X-Extra: ${literal}`), env, 2);
    const slow = await run(
      [...deploy(...statusUrl('/slow', [{ status: 'running' }]), '--header', `Authorization: Bearer ${token}`, ...wait, '--timeout', '500ms'), '--json'],
      env,
      3,
    );
    await run(['--db', store.spec, '--verbose', 'poll', (JSON.parse(slow.stdout) as { key: string }).key], env, 5);
    await run(deploy('--status-url', http.url('/x'), '--header', `X Extra: ${literal}`), env, 2);
    await run(deploy('--status-url', http.url('/x'), '--header', `X-Extra: Bearer env:${literal}`), env, 2);

    // What the store holds, as the CLI shows it and as it lies in the database.
    await run(['--db', store.spec, '--json', 'history', '--limit', '100'], env, 0);
    await run(['--db', store.spec, 'history', '--limit', '100'], env, 0);
    await run(['--db', store.spec, '--json', 'show', laterKey], env, 0);

    expect(ncp.authFailures).toBeGreaterThanOrEqual(2);
    expect(http.refusals).toBeGreaterThanOrEqual(1);
    for (const result of runs) {
      expect(result.stdout).not.toContain(mark);
      expect(result.stderr).not.toContain(mark);
    }
    const rows = await snapshot(store);
    expect(rows.deployments.length).toBeGreaterThanOrEqual(9);
    expect(rows.events.length).toBeGreaterThan(20);
    expect(JSON.stringify(rows)).not.toContain(mark);
    if (kind === 'sqlite') {
      for (const file of readdirSync(store.dir)) expect(readFileSync(join(store.dir, file)).includes(mark), file).toBe(false);
    }
  }, 180_000); // seventeen CLI runs: more than the default minute on a busy machine
  it("a failed deploy command's stored output, show, history and shiplog's own lines hold no value of a secret variable", async () => {
    const secrets = {
      MY_API_TOKEN: `${mark}-api-token`,
      CLIENT_SECRET_VALUE: `${mark}-client`,
      NCLOUD_SECRET_KEY: `${mark}-ncloud`,
      GITHUB_TOKEN: `${mark}-github`,
      DB_PASSWORD: `${mark}-password`,
      DATABASE_URL: `postgres://deployer:${mark}-pg@db.internal:5432/app`,
    };
    // The command prints to stderr, as does shiplog the outcome line of a deploy without --wait (its stdout is the key).
    const script = `for (const name of ${JSON.stringify(Object.keys(secrets))}) console.error(name + '=' + process.env[name]); process.exit(3)`;
    const command = [process.execPath, '-e', script];
    const deploy = (app: string, ...more: string[]) => ['--db', store.spec, ...more, 'deploy', '--app', app, '--env', 'prod', '--', ...command];

    const human = await runCli(deploy('web'), { env: secrets });
    const json = await runCli(deploy('api', '--json'), { env: secrets });

    expect(human.code, human.stderr).toBe(1);
    expect(json.code, json.stderr).toBe(1);
    // The command's own live output is its business: it reaches the terminal as the command wrote it.
    expect(human.stderr).toContain(`MY_API_TOKEN=${mark}-api-token`);
    expect(human.stdout).toMatch(/^dep_\w+\n$/);
    expect(human.stderr).toContain('MY_API_TOKEN=[redacted]');
    const record = JSON.parse(json.stdout) as { key: string; error: string };
    expect(record.error.split('\n')).toEqual(['command exited 3', ...Object.keys(secrets).map((name) => `${name}=${name === 'DATABASE_URL' ? 'postgres://deployer:[redacted]@db.internal:5432/app' : '[redacted]'}`)]);
    const reads = [
      await runCli(['--db', store.spec, '--json', 'show', record.key]),
      await runCli(['--db', store.spec, 'show', record.key]),
      await runCli(['--db', store.spec, '--json', 'history']),
      await runCli(['--db', store.spec, 'history']),
    ];
    for (const result of [human, ...reads]) expect(result.stdout).not.toContain(mark);
    for (const result of reads) expect(result.stderr).not.toContain(mark);
    expect(json.stdout).not.toContain(mark);
    expect(JSON.stringify(await snapshot(store))).not.toContain(mark);
    if (kind === 'sqlite') {
      for (const file of readdirSync(store.dir)) expect(readFileSync(join(store.dir, file)).includes(mark), file).toBe(false);
    }
  });
});
