import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import type { EffectiveSettings } from '../src/config/effective-settings.js';
import { runCli, runCliJson, type CliOptions, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

/** Every secret of this test carries this mark, so one search finds any of them anywhere. */
const mark = 'CoNfIg-SeCrEt-82a4';
const token = `${mark}-token`;

describeEachStore('.shiplog.json on %s', (kind) => {
  const statusServer = new HttpStatusFake({ statusField: 'deploy.state', requireHeaders: { authorization: `Bearer ${token}` } });
  let store: TestStore;
  /** A repository: `.git` marks its top, where the search for the file stops. */
  let repo = '';
  /** A directory two levels inside it, where the commands run. */
  let inside = '';
  beforeAll(() => statusServer.start());
  afterAll(() => statusServer.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
    repo = join(store.dir, 'repo');
    inside = join(repo, 'services', 'web');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(inside, { recursive: true });
  });
  afterEach(() => store.cleanup());

  const writeConfig = (content: unknown, dir = repo) => writeFileSync(join(dir, '.shiplog.json'), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  /** A run from inside the repository, with a private built-in store location. */
  const here = (extra: NodeJS.ProcessEnv = {}): CliOptions => ({ cwd: inside, env: { XDG_DATA_HOME: join(store.dir, 'data'), ...quickPolling, ...extra } });
  const builtInStore = () => join(store.dir, 'data', 'shiplog', 'shiplog.db');
  const config = async (args: string[] = [], extra: NodeJS.ProcessEnv = {}) => {
    const { result, json } = await runCliJson<EffectiveSettings>(['config', ...args], here(extra));
    expect(result.code, result.stderr).toBe(0);
    return json;
  };
  const apps = async () => (await snapshot(store)).deployments.map((row) => row.app);

  it('a deploy from a subdirectory takes app, env, store and its status-URL target from the file, and the header token from the environment', async () => {
    const path = '/deploys/web-42';
    statusServer.script(path, [{ status: 'rolling' }, { status: 'done' }]);
    writeConfig({
      db: store.spec,
      app: 'web',
      env: 'production',
      'status-url': statusServer.url(path),
      'status-field': 'deploy.state',
      'success-values': 'done',
      header: { Authorization: 'Bearer env:DEPLOY_TOKEN' },
      interval: '100ms',
    });
    const { result, json } = await runCliJson(['deploy', '--version', '1.4.0', '--wait'], here({ DEPLOY_TOKEN: token }));
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ app: 'web', env: 'production', version: '1.4.0', provider: 'http', status: 'success' });
    expect(json.target).toMatchObject({ url: statusServer.url(path), statusField: 'deploy.state', headers: [{ name: 'Authorization', env: 'DEPLOY_TOKEN', scheme: 'Bearer' }] });
    expect(statusServer.refusals).toBe(0);
    const rows = await snapshot(store);
    expect(rows.deployments).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(mark);
    expect(result.stdout + result.stderr).not.toContain(mark);
  });

  it("the environment's section applies to the environment the deploy names, over the top level", async () => {
    writeConfig({ db: store.spec, app: 'web', env: 'staging', repo: 'acme/web', environments: { production: { app: 'web-prod', repo: 'acme/web-prod' } } });
    expect((await runCliJson(['deploy'], here())).json).toMatchObject({ app: 'web', env: 'staging', repo: 'acme/web' });
    expect((await runCliJson(['deploy', '--env', 'production'], here())).json).toMatchObject({ app: 'web-prod', env: 'production', repo: 'acme/web-prod' });
  });

  it("a provider named on the command line replaces the file's: a status URL where the file names a Kubernetes Deployment", async () => {
    const path = '/deploys/api-7';
    statusServer.script(path, [{ status: 'done' }]);
    writeConfig({ db: store.spec, app: 'api', env: 'dev', k8s: 'dev/api', context: 'dev-cluster', 'ncp-endpoint': 'https://ncp.example.test' });
    const args = ['deploy', '--wait', '--interval', '100ms', '--status-url', statusServer.url(path), '--status-field', 'deploy.state'];
    const { result, json } = await runCliJson([...args, '--header', 'Authorization: Bearer env:DEPLOY_TOKEN'], here({ DEPLOY_TOKEN: token }));
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ app: 'api', provider: 'http', status: 'success' });
  });

  it('precedence for the store: flag over SHIPLOG_DB over the file over the built-in default', async () => {
    const elsewhere = join(store.dir, 'elsewhere.db');
    const deploy = (app: string, ...args: string[]) => ['deploy', ...args, '--app', app, '--env', 'dev'];

    expect((await runCli(deploy('built-in'), here())).code).toBe(0);
    expect(existsSync(builtInStore())).toBe(true);
    expect((await config()).settings.db).toEqual({ value: builtInStore(), source: 'built-in' });

    writeConfig({ db: store.spec });
    expect((await runCli(deploy('from-file'), here())).code).toBe(0);
    expect(await apps()).toEqual(['from-file']);
    expect((await config()).settings.db).toMatchObject({ source: 'file', file: join(repo, '.shiplog.json'), line: 2 });

    expect((await runCli(deploy('from-env'), here({ SHIPLOG_DB: elsewhere }))).code).toBe(0);
    expect(existsSync(elsewhere)).toBe(true);
    expect(await apps()).toEqual(['from-file']);
    expect((await config([], { SHIPLOG_DB: elsewhere })).settings.db).toEqual({ value: elsewhere, source: 'env', variable: 'SHIPLOG_DB' });

    expect((await runCli(['--db', store.spec, ...deploy('from-flag')], here({ SHIPLOG_DB: elsewhere }))).code).toBe(0);
    expect(await apps()).toEqual(['from-file', 'from-flag']);
    expect((await config(['--db', elsewhere], { SHIPLOG_DB: store.spec })).settings.db).toEqual({ value: elsewhere, source: 'flag', flag: '--db' });
  });

  it('precedence for the app and the NCP endpoint: a flag over the file, an environment variable over the file', async () => {
    writeConfig({ db: store.spec, app: 'web', env: 'dev', 'ncp-endpoint': 'https://ncp.example.test' });
    expect((await runCliJson(['deploy', '--app', 'api'], here())).json).toMatchObject({ app: 'api', env: 'dev' });
    const settings = (await config([], { NCLOUD_SOURCEDEPLOY_ENDPOINT: 'https://other.example.test' })).settings;
    expect(settings['ncp-endpoint']).toEqual({ value: 'https://other.example.test/', source: 'env', variable: 'NCLOUD_SOURCEDEPLOY_ENDPOINT' });
    expect((await config()).settings['ncp-endpoint']).toMatchObject({ value: 'https://ncp.example.test/', source: 'file' });
  });

  it('any option takes its default from the file by its name: history --limit', async () => {
    writeConfig({ db: store.spec, limit: 1 });
    for (const app of ['a', 'b']) expect((await runCli(['deploy', '--app', app, '--env', 'dev'], here())).code).toBe(0);
    expect((await runCliJson<DeploymentJson[]>(['history'], here())).json.map((row) => row.app)).toEqual(['b']);
    expect((await runCliJson<DeploymentJson[]>(['history', '--limit', '5'], here())).json).toHaveLength(2);
  });

  it("app and env do not narrow a listing: history shows every app's deployments", async () => {
    writeConfig({ db: store.spec, app: 'web', env: 'dev' });
    expect((await runCli(['deploy'], here())).code).toBe(0);
    expect((await runCli(['deploy', '--app', 'api'], here())).code).toBe(0);
    expect((await runCliJson<DeploymentJson[]>(['history'], here())).json.map((row) => row.app)).toEqual(['api', 'web']);
  });

  it("a relative store path in the file is beside the file, whichever subdirectory shiplog runs in", async () => {
    writeConfig({ db: 'deploys.db', app: 'web', env: 'dev' });
    expect((await runCli(['deploy'], here())).code).toBe(0);
    expect(existsSync(join(repo, 'deploys.db'))).toBe(true);
    expect(existsSync(join(inside, 'deploys.db'))).toBe(false);
  });

  it('a file above the repository is not read: the search stops at the directory holding .git', async () => {
    writeConfig({ app: 'not-this-one' }, store.dir);
    expect((await config()).file).toBeNull();
    writeConfig({ app: 'web' });
    expect((await config()).settings.app).toMatchObject({ value: 'web', file: join(repo, '.shiplog.json') });
  });

  it('config prints each setting with its source, human and JSON, and masks every secret', async () => {
    writeConfig({
      db: `postgres://deployer:${mark}-db@db.example.test/shiplog`,
      app: 'web',
      'status-url': `https://status.example.test/deploys?token=${mark}-query`,
      header: ['Authorization: Bearer env:DEPLOY_TOKEN', `X-Api-Key: ${mark}-literal`],
      environments: { production: { context: 'prod-cluster' } },
    });
    const file = join(repo, '.shiplog.json');
    const json = await config(['--env', 'production'], { DEPLOY_TOKEN: token });
    expect(json).toEqual({
      file,
      environment: 'production',
      environments: ['production'],
      settings: {
        db: { value: 'postgres://deployer:***@db.example.test/shiplog', source: 'file', file, line: 2 },
        app: { value: 'web', source: 'file', file, line: 3 },
        env: { value: 'production', source: 'flag', flag: '--env' },
        'status-url': { value: 'https://status.example.test/deploys?token=***', source: 'file', file, line: 4 },
        header: { value: ['Authorization: Bearer env:DEPLOY_TOKEN', 'X-Api-Key: ***'], source: 'file', file, line: 5 },
        context: { value: 'prod-cluster', source: 'file', file, line: 11, environment: 'production' },
      },
    });
    const human = await runCli(['config', '--env', 'production'], here({ DEPLOY_TOKEN: token }));
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`file: ${file}`);
    expect(human.stdout).toContain('environments: production (section "production" applies)');
    expect(human.stdout).toMatch(/^db +postgres:\/\/deployer:\*\*\*@db\.example\.test\/shiplog +file .*\.shiplog\.json:2$/m);
    expect(human.stdout).toMatch(/^env +production +flag --env$/m);
    expect(human.stdout).toMatch(/^context +prod-cluster +file .*\.shiplog\.json:11 \(environments\.production\)$/m);
    expect(human.stdout + human.stderr).not.toContain(mark);
  });

  it('malformed JSON is exit 2 naming the file, line and column, and nothing is written', async () => {
    writeConfig(`{\n  "db": ${JSON.stringify(store.spec)},\n  "app": "web",\n  "env": \n}\n`);
    const result = await runCli(['deploy', '--version', '1'], here());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`shiplog: ${join(repo, '.shiplog.json')}:5:1: expected a value, found '}'\n`);
    expect((await snapshot(store)).deployments).toEqual([]);
    expect(existsSync(builtInStore())).toBe(false);
  });

  it('an unknown key is exit 2 with the key it resembles, and nothing is written', async () => {
    writeConfig({ db: store.spec, app: 'web', env: 'dev', 'status-ulr': 'https://status.example.test/' });
    const result = await runCli(['deploy'], here());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`shiplog: ${join(repo, '.shiplog.json')}:5:3: unknown key "status-ulr": did you mean "status-url"?\n`);
    expect((await snapshot(store)).deployments).toEqual([]);
  });

  it("a file's value meets the flag's checks, and the refusal names the file and line", async () => {
    writeConfig({ db: store.spec, app: 'web', env: 'dev', environments: { dev: { timeout: '0' } } });
    const result = await runCli(['deploy', '--wait', '--', process.execPath, '-e', '0'], here());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`(--timeout from ${join(repo, '.shiplog.json')}:7, section environments.dev)`);
    expect((await snapshot(store)).deployments).toEqual([]);
  });

  it('a key for one run only is refused, as is a value of the wrong kind', async () => {
    writeConfig({ db: store.spec, version: '1.0' });
    expect((await runCli(['history'], here())).stderr).toContain(':3:3: "version" belongs to one run, so a file cannot set it; give --version on the command line');
    writeConfig({ db: store.spec, wait: 'yes' });
    const result = await runCli(['history'], here());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(':3:11: "wait" is a switch: write true or false');
    expect(readdirSync(store.dir)).not.toContain('data');
  });
});
