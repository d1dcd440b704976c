import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { formatDuration } from '../src/timing/duration.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { recordRollouts, storeWithCluster } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const sha = 'c0ffee'.padEnd(40, '0');
/** A command that fails with output that is hostile to every format it lands in. */
const hostile = "console.log('50% done | *bold* <script>alert(1)</script>'); console.error('Error: `kubectl` said [no](javascript:x)'); process.exit(4)";

describeEachStore('CI outputs on %s', (kind) => {
  const status = new HttpStatusFake();
  let store: TestStore;
  let files: { output: string; summary: string; dotenv: string };
  /** The variables GitHub Actions gives a step, pointing at this test's files. */
  const github = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'acme/web',
    GITHUB_SHA: sha,
    GITHUB_RUN_ID: '77',
    GITHUB_ACTOR: 'octocat',
    ...extra,
  });
  /** GitHub's details, to be recorded, without the files: for the steps before the one a test looks at. */
  const quiet = () => github({ GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '' });
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(['--db', store.spec, ...args], { env });
  const cliJson = <T = DeploymentJson>(args: string[], env?: NodeJS.ProcessEnv) => runCliJson<T>(['--db', store.spec, ...args], { env });
  const read = (path: string) => readFileSync(path, 'utf8');

  beforeAll(async () => {
    await status.start();
  });
  afterAll(async () => status.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
    files = { output: join(store.dir, 'github-output'), summary: join(store.dir, 'step-summary.md'), dotenv: join(store.dir, 'deploy.env') };
  });
  afterEach(async () => store.cleanup());

  it('a record-only deploy appends key, id, status, … to GITHUB_OUTPUT and keeps stdout the key alone', async () => {
    writeFileSync(files.output, 'earlier=step\n');
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.4.0'], github());
    expect(result.code, result.stderr).toBe(0);
    const key = result.stdout.trim();
    expect(result.stdout).toBe(`${key}\n`);
    expect(read(files.output)).toBe(
      'earlier=step\n' +
        `key=${key}\nid=1\nstatus=running\napp=web\nenv=prod\nversion=1.4.0\ncommit=${sha}\nurl=https://github.example/acme/web/actions/runs/77\n`,
    );
    expect(result.stderr).not.toContain('::error');
  });

  it('a failed deploy writes its error in GitHub multi-line syntax, and an ::error line on stderr while --json keeps stdout one document', async () => {
    const { result, json } = await cliJson(['deploy', '--app', 'web', '--env', 'prod', '--version', '2.0.0', '--', process.execPath, '-e', hostile], github());
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    const error = 'command exited 4\n50% done | *bold* <script>alert(1)</script>\nError: `kubectl` said [no](javascript:x)';
    expect(json.error).toBe(error);

    const output = read(files.output);
    const delimiter = /^error<<(ghadelimiter_[0-9a-f-]{36})$/m.exec(output)?.[1];
    expect(delimiter).toBeDefined();
    expect(output).toBe(
      `key=${json.key}\nid=${json.id}\nstatus=failed\napp=web\nenv=prod\nversion=2.0.0\ncommit=${sha}\nurl=https://github.example/acme/web/actions/runs/77\n` +
        `error<<${delimiter}\n${error}\n${delimiter}\n`,
    );

    const annotations = result.stderr.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations).toEqual([
      `::error title=shiplog%3A web 2.0.0 -> prod failed::${json.key} web 2.0.0 -> prod: failed after ${formatDuration(json.durationMs!)}` +
        '%0Acommand exited 4%0A50%25 done | *bold* <script>alert(1)</script>%0AError: `kubectl` said [no](javascript:x)',
    ]);
    expect(result.stdout).not.toContain('::');
  });

  it('the step summary shows the deployment as Markdown, its stored text escaped', async () => {
    const { json } = await cliJson(['deploy', '--app', 'web', '--env', 'prod', '--version', 'v2|<b>', '--', process.execPath, '-e', hostile], github());
    expect(read(files.summary)).toBe(
      [
        '### shiplog: web -> prod ❌ failed',
        '',
        '| Deployment | App | Environment | Version | Outcome | Duration | Commit | CI run |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        `| ${json.key.replace('_', '\\_')} | web | prod | v2\\|&lt;b&gt; | ❌ failed | ${formatDuration(json.durationMs!)} | ` +
          `[\`c0ffee0\`](https://github.example/acme/web/commit/${sha}) | [run](https://github.example/acme/web/actions/runs/77) |`,
        '',
        `- **${json.key.replace('_', '\\_')}** failed: command exited 4<br>50% done \\| \\*bold\\* &lt;script&gt;alert(1)&lt;/script&gt;<br>` +
          'Error: \\`kubectl\\` said \\[no\\](javascript:x)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('outside GitHub Actions the GitHub files are left alone and no ::error line is printed', async () => {
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--', process.execPath, '-e', 'process.exit(1)'], {
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
    });
    expect(result.code).toBe(1);
    expect(existsSync(files.output)).toBe(false);
    expect(existsSync(files.summary)).toBe(false);
    expect(result.stderr).not.toContain('::error');
  });

  it('finish writes the outcome it recorded, and a finished success prints no ::error line', async () => {
    const key = (await cli(['deploy', '--app', 'web', '--env', 'prod'])).stdout.trim();
    const result = await cli(['finish', key, '--status', 'success', '--dotenv', files.dotenv], github());
    expect(result.code, result.stderr).toBe(0);
    expect(read(files.output)).toBe(`key=${key}\nid=1\nstatus=success\napp=web\nenv=prod\n`);
    expect(read(files.dotenv)).toBe(`SHIPLOG_KEY=${key}\nSHIPLOG_ID=1\nSHIPLOG_STATUS=success\nSHIPLOG_APP=web\nSHIPLOG_ENV=prod\n`);
    expect(result.stderr).not.toContain('::error');
  });

  it('a rollback writes the new record: its own key and status', async () => {
    await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0', '--', process.execPath, '-e', '0']);
    await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.1.0', '--', process.execPath, '-e', '0']);
    const { result, json } = await cliJson(['rollback', '--app', 'web', '--env', 'prod', '--dotenv', files.dotenv, '--', process.execPath, '-e', '0'], github());
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ id: 3, isRollback: true, version: '1.0.0', status: 'success' });
    expect(read(files.output)).toBe(`key=${json.key}\nid=3\nstatus=success\napp=web\nenv=prod\nversion=1.0.0\nurl=https://github.example/acme/web/actions/runs/77\n`);
    expect(read(files.dotenv)).toContain(`SHIPLOG_KEY=${json.key}\nSHIPLOG_ID=3\nSHIPLOG_STATUS=success\n`);
  });

  it('poll of many writes one summary table and an ::error line for each failure, and no outputs, which describe one', async () => {
    const paths = ['/ok', '/broken', '/slow'].map((path) => `${path}-${Math.random().toString(36).slice(2, 8)}`);
    status.script(paths[0]!, [{ status: 'deployed' }]);
    status.script(paths[1]!, [{ status: 'error' }]);
    status.script(paths[2]!, [{ status: 'rolling' }]);
    const keys: string[] = [];
    for (const [app, path] of [['api', paths[0]], ['web', paths[1]], ['jobs', paths[2]]] as const) {
      const deployed = await cli(['deploy', '--app', app, '--env', 'prod', '--version', '3.0.0', '--status-url', status.url(path!)], quiet());
      keys.push(deployed.stdout.trim().split(' ')[0]!);
    }
    const { result, json } = await cliJson<DeploymentJson[]>(['poll', '--all', '--interval', '100ms', '--timeout', '4s'], github(quickPolling));
    expect(result.code).toBe(3);
    expect(json.map((d) => d.status)).toEqual(['success', 'failed', 'timeout']);
    expect(existsSync(files.output)).toBe(false);
    expect(result.stderr).toContain('GITHUB_OUTPUT: not written, since it describes one deployment and this command handled 3');

    const row = (d: DeploymentJson, outcome: string) =>
      `| ${d.key.replace('_', '\\_')} | ${d.app} | prod | 3.0.0 | ${outcome} | ${d.durationMs === null ? '-' : formatDuration(d.durationMs)} | ` +
      `[\`c0ffee0\`](https://github.example/acme/web/commit/${sha}) | [run](https://github.example/acme/web/actions/runs/77) |`;
    const [ok, broken, slow] = json as [DeploymentJson, DeploymentJson, DeploymentJson];
    expect(read(files.summary)).toBe(
      [
        '### shiplog: 3 deployments',
        '',
        '| Deployment | App | Environment | Version | Outcome | Duration | Commit | CI run |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        row(ok, '✅ success'),
        row(broken, '❌ failed'),
        row(slow, '⏱️ timeout'),
        '',
        `- **${broken.key.replace('_', '\\_')}** failed: status URL reported 'error' (a failure value)`,
        '',
        '',
      ].join('\n'),
    );
    const annotations = result.stderr.split('\n').filter((line) => line.startsWith('::error'));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(new RegExp(`^::error title=shiplog%3A web 3\\.0\\.0 -> prod failed::${broken.key} web 3\\.0\\.0 -> prod: failed after `));
    expect(annotations[1]).toBe(`::error title=shiplog%3A jobs 3.0.0 -> prod timeout::${slow.key} jobs 3.0.0 -> prod: timeout`);
  });

  it('poll of one writes its outputs and dotenv file', async () => {
    const path = `/one-${Math.random().toString(36).slice(2, 8)}`;
    status.script(path, [{ status: 'rolling' }, { status: 'deployed' }]);
    const key = (await cli(['deploy', '--app', 'api', '--env', 'prod', '--status-url', status.url(path)], quiet())).stdout.trim().split(' ')[0]!;
    const result = await cli(['poll', key, '--interval', '100ms'], github({ ...quickPolling, SHIPLOG_DOTENV: files.dotenv }));
    expect(result.code, result.stderr).toBe(0);
    expect(read(files.output)).toBe(`key=${key}\nid=1\nstatus=success\napp=api\nenv=prod\ncommit=${sha}\nurl=https://github.example/acme/web/actions/runs/77\n`);
    expect(read(files.dotenv)).toBe(
      `SHIPLOG_KEY=${key}\nSHIPLOG_ID=1\nSHIPLOG_STATUS=success\nSHIPLOG_APP=api\nSHIPLOG_ENV=prod\nSHIPLOG_COMMIT=${sha}\nSHIPLOG_URL=https://github.example/acme/web/actions/runs/77\n`,
    );
  });

  it('the dotenv file keeps to GitLab rules: one line a variable, a long multi-line error cut to fit 5 KB', async () => {
    // 30 lines of 3-byte characters: the 4,000 characters of output tail kept are some 12 KB of UTF-8.
    const noisy = "for (let i = 0; i < 30; i++) console.error('배포 실패 '.repeat(40)); process.exit(2)";
    const { result, json } = await cliJson(['deploy', '--app', 'web', '--env', 'prod', '--version', '9.9.9', '--dotenv', files.dotenv, '--', process.execPath, '-e', noisy], {
      GITLAB_CI: 'true',
      CI_COMMIT_SHA: sha,
      CI_PROJECT_PATH: 'acme/platform/web',
      CI_PIPELINE_URL: 'https://gitlab.example/acme/platform/web/-/pipelines/9',
      GITLAB_USER_LOGIN: 'dev',
    });
    expect(result.code).toBe(1);
    const dotenv = read(files.dotenv);
    const lines = dotenv.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.slice(0, -1)).toEqual([
      `SHIPLOG_KEY=${json.key}`,
      `SHIPLOG_ID=${json.id}`,
      'SHIPLOG_STATUS=failed',
      'SHIPLOG_APP=web',
      'SHIPLOG_ENV=prod',
      'SHIPLOG_VERSION=9.9.9',
      `SHIPLOG_COMMIT=${sha}`,
      'SHIPLOG_URL=https://gitlab.example/acme/platform/web/-/pipelines/9',
    ]);
    expect(Buffer.byteLength(json.error!)).toBeGreaterThan(5_000);
    const error = lines.at(-1)!;
    expect(error.startsWith(`SHIPLOG_ERROR=${json.error!.replace(/\n/g, ' ').slice(0, 300)}`)).toBe(true);
    expect(error.endsWith('…')).toBe(true);
    expect(error).not.toContain('\uFFFD');
    expect(Buffer.byteLength(dotenv)).toBeLessThanOrEqual(5_000);
    expect(Buffer.byteLength(dotenv)).toBeGreaterThan(4_990);
    expect(result.stderr).not.toContain('::error');
  });

  it('a dotenv file in a folder that does not exist is refused before anything is recorded', async () => {
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--dotenv', join(store.dir, 'missing', 'deploy.env')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^shiplog: --dotenv: the folder of '.*missing\/deploy\.env' does not exist; create it or name a file in an existing folder\n$/);
    expect((await snapshot(store)).deployments).toHaveLength(0);
  });
});

describeEachStore('CI outputs of track on %s', (kind) => {
  const t = storeWithCluster(kind);

  it('track of one rollout that failed writes its outputs, dotenv file and ::error line', async () => {
    t.cluster.api.behave('prod', 'web', 'deadline');
    const [id, key] = (await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]))[0]!;
    const output = join(t.store.dir, 'github-output');
    const dotenv = join(t.store.dir, 'track.env');
    const result = await runCli(['--db', t.store.spec, 'track', key, '--dotenv', dotenv], {
      env: { ...t.cluster.env, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output },
    });
    expect(result.code, result.stderr).toBe(1);
    const error = (await runCliJson(['--db', t.store.spec, 'show', key])).json.error!;
    expect(error).toMatch(/^deployment "web" exceeded its progress deadline/);
    expect(readFileSync(output, 'utf8')).toBe(`key=${key}\nid=${id}\nstatus=failed\napp=web\nenv=prod\nerror=${error}\n`);
    expect(readFileSync(dotenv, 'utf8')).toBe(`SHIPLOG_KEY=${key}\nSHIPLOG_ID=${id}\nSHIPLOG_STATUS=failed\nSHIPLOG_APP=web\nSHIPLOG_ENV=prod\nSHIPLOG_ERROR=${error}\n`);
    expect(result.stderr).toMatch(new RegExp(`^::error title=shiplog%3A web -> prod failed::${key} web -> prod: failed after \\S+%0Adeployment "web" exceeded its progress deadline`, 'm'));
  });
});
