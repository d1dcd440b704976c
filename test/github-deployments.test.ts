import { afterEach, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { IntegrationReceiver, type Received } from '../fixtures/integration-receiver.js';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { runCli, runCliJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { serveDuringSuite } from './support/serve-during.js';

const token = 'ghs_t0kenForGithubMirrorTests';

/** GitHub's REST API as far as deployments go: the deployments created since the last reset get ids 9001, 9002, … */
function githubApi(): IntegrationReceiver {
  const api: IntegrationReceiver = new IntegrationReceiver((request) => {
    if (request.method === 'POST' && /^\/api\/v3\/repos\/[^/]+\/[^/]+\/deployments$/.test(request.path)) {
      return { status: 201, json: { id: 9000 + api.requests('POST', /\/deployments$/).length } };
    }
    if (request.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(request.path)) return { status: 201, json: { id: 1, state: (request.body as { state: string }).state } };
    return { status: 404, json: { message: 'Not Found' } };
  });
  return api;
}

describeEachStore('--github on %s', (kind) => {
  const github = githubApi();
  const statusPage = new HttpStatusFake();
  let store: TestStore;
  let env: NodeJS.ProcessEnv;
  serveDuringSuite(github, statusPage);
  beforeEach(async () => {
    store = await createTestStore(kind);
    github.reset();
    // GitHub Enterprise Server's API lives under /api/v3: GITHUB_API_URL says where.
    env = { GITHUB_TOKEN: token, GITHUB_API_URL: `${github.url}/api/v3`, ...quickPolling };
  });
  afterEach(() => store.cleanup());

  const deploy = (version: string, commit: string, ...more: string[]) => [
    '--db', store.spec, 'deploy', '--app', 'web', '--env', 'production', '--version', version, '--repo', 'acme/shop', '--commit', commit, '--github', ...more,
  ];
  const succeeding = ['--', process.execPath, '-e', 'process.exit(0)'];
  const statuses = (id: number) => github.requests('POST', new RegExp(`/deployments/${id}/statuses$`)).map((r) => r.body as Record<string, unknown>);
  const show = async (key: string) => (await runCliJson(['--db', store.spec, 'show', key], { env })).json;

  it('a deploy is created as a GitHub deployment of its commit and environment, then in_progress and success', async () => {
    const { result, json } = await runCliJson(deploy('1.0.0', 'a1b2c3d', ...succeeding), { env });
    expect(result.code, result.stderr).toBe(0);
    const [create] = github.requests('POST', /\/deployments$/);
    expect(create!.path).toBe('/api/v3/repos/acme/shop/deployments');
    expectGithubHeaders(create!);
    expect(create!.body).toEqual({
      ref: 'a1b2c3d',
      environment: 'production',
      task: 'deploy',
      description: 'web 1.0.0, recorded by shiplog',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      payload: { shiplog: { key: json.key, app: 'web', version: '1.0.0', isRollback: false } },
    });
    expect(statuses(9001)).toEqual([
      { state: 'in_progress', description: `web 1.0.0: running (${json.key})`, auto_inactive: true },
      { state: 'success', description: expect.stringMatching(new RegExp(`^web 1\\.0\\.0: success in \\S+ \\(${json.key}\\)$`)), auto_inactive: true },
    ]);
    for (const request of github.requests('POST', /statuses$/)) expectGithubHeaders(request);
    expect((await show(json.key)).target).toEqual({ command: process.execPath, github: { deploymentId: 9001, apiUrl: `${github.url}/api/v3` } });
    const everything = [result.stdout, result.stderr, JSON.stringify(await snapshot(store))].join('\n');
    expect(everything).not.toContain(token);
  });

  it('a deploy that does not wait is mirrored, and the process that finishes it posts the outcome', async () => {
    const { json } = await runCliJson(deploy('1.1.0', 'b2c3d4e', '--message', 'by hand'), { env: { ...env, GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.example' } });
    expect(json.status).toBe('running');
    expect(statuses(9001).map((s) => s.state)).toEqual(['in_progress']);
    const finished = await runCli(['--db', store.spec, 'finish', json.key, '--status', 'failed', '--message', 'smoke test red'], { env });
    expect(finished.code, finished.stderr).toBe(0);
    expect(statuses(9001)[1]).toEqual({ state: 'failure', description: 'web 1.1.0: failed: smoke test red', auto_inactive: true, log_url: 'https://github.example/acme/shop/actions/runs/77' });
  });

  it('poll in another process posts the outcome of a mirrored status-URL deployment', async () => {
    statusPage.script('/runs/1', [{ status: 'deploying' }, { status: 'done' }]);
    const { json } = await runCliJson(deploy('1.2.0', 'c3d4e5f', '--status-url', statusPage.url('/runs/1')), { env });
    const polled = await runCli(['--db', store.spec, 'poll', json.key, '--interval', '100ms'], { env });
    expect(polled.code, polled.stderr).toBe(0);
    expect(statuses(9001).map((s) => s.state)).toEqual(['in_progress', 'success']);
  });

  it("a success marks the success it replaced inactive; a rollback is GitHub's deployment of the commit rolled back to", async () => {
    const first = (await runCliJson(deploy('1.0.0', 'aaaaaaa', ...succeeding), { env })).json;
    const second = (await runCliJson(deploy('2.0.0', 'bbbbbbb', ...succeeding), { env })).json;
    expect(statuses(9001).map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
    expect(statuses(9001)[2]).toEqual({ state: 'inactive', description: `replaced by ${second.key}`, auto_inactive: true });
    const rollback = await runCliJson(['--db', store.spec, 'rollback', '--app', 'web', '--env', 'production', '--github', ...succeeding], { env });
    expect(rollback.result.code, rollback.result.stderr).toBe(0);
    const [, , create] = github.requests('POST', /\/deployments$/);
    expect(create!.body).toMatchObject({ ref: 'aaaaaaa', environment: 'production', payload: { shiplog: { key: rollback.json.key, isRollback: true } } });
    expect(statuses(9003).map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(statuses(9002).map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
    expect(first.key).not.toBe(rollback.json.key);
  });

  it('GitHub refusing the deployment is reported and recorded, not retried, and the outcome stands', async () => {
    github.script('POST', /\/deployments$/, [{ status: 422, json: { message: 'No ref found for: 0000000' } }]);
    const refused = await runCliJson(deploy('3.0.0', '0000000', ...succeeding), { env });
    expect(refused.result.code).toBe(0);
    expect(github.requests('POST', /\/deployments$/)).toHaveLength(1);
    expect(github.requests('POST', /statuses$/)).toEqual([]);
    const line = `GitHub deployment of ${refused.json.key} not delivered: HTTP 422 (No ref found for: 0000000)`;
    expect(refused.result.stderr).toContain(line);
    expect((await show(refused.json.key)).events!.filter((e) => e.source === 'integration').map((e) => e.detail)).toEqual([line]);
  });

  it('GitHub failing to take statuses is retried, then reported and recorded, and the exit code stands', async () => {
    github.script('POST', /statuses$/, [{ status: 502, text: 'bad gateway' }]);
    const failing = await runCliJson(deploy('3.0.1', '1111111', '--', process.execPath, '-e', 'process.exit(4)'), { env });
    expect(failing.result.code).toBe(1);
    expect(failing.json.status).toBe('failed');
    const noted = (await show(failing.json.key)).events!.filter((e) => e.source === 'integration').map((e) => e.detail);
    expect(noted).toEqual([
      `GitHub status in_progress of ${failing.json.key} not delivered: HTTP 502 (bad gateway) after 3 attempts`,
      `GitHub status failure of ${failing.json.key} not delivered: HTTP 502 (bad gateway) after 3 attempts`,
    ]);
  });

  it('a later process without GITHUB_TOKEN says it could not post the status', async () => {
    const { json } = await runCliJson(deploy('4.0.0', '4444444'), { env });
    const finished = await runCli(['--db', store.spec, 'finish', json.key, '--status', 'success'], { env: { GITHUB_TOKEN: '' } });
    expect(finished.code).toBe(0);
    expect(finished.stderr).toContain(`GitHub status success of ${json.key} not delivered: $GITHUB_TOKEN is not set in this process`);
  });

  it('--github without a token, a repository or a commit is exit 2, and nothing is recorded', async () => {
    const noToken = await runCli(deploy('5.0.0', '5555555', ...succeeding), { env: { ...env, GITHUB_TOKEN: '' } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('--github needs a token with deployments write access in $GITHUB_TOKEN');
    const noCommit = await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'production', '--repo', 'acme/shop', '--github', ...succeeding], { env });
    expect(noCommit.code).toBe(2);
    expect(noCommit.stderr).toContain('--github needs the commit deployed: give --commit SHA');
    expect((await snapshot(store)).deployments).toEqual([]);
    expect(github.received).toEqual([]);
  });
});

function expectGithubHeaders(request: Received): void {
  expect(request.headers.accept).toBe('application/vnd.github+json');
  expect(request.headers['x-github-api-version']).toBe('2022-11-28');
  expect(request.headers.authorization).toBe(`Bearer ${token}`);
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['user-agent']).toMatch(/^shiplog\//);
}
