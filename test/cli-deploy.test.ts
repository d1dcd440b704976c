import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('deploy on %s', (kind) => {
  let store: TestStore;
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(['--db', store.spec, ...args], { env });
  const cliJson = <T = DeploymentJson>(args: string[], env?: NodeJS.ProcessEnv) => runCliJson<T>(['--db', store.spec, ...args], { env });
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('a record-only deploy prints its key and stays running', async () => {
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.2.3', '--message', 'hotfix']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^dep_[0-9A-Z]{26}$/);
    const { json } = await cliJson(['show', result.stdout.trim()]);
    expect(json).toMatchObject({ app: 'web', env: 'prod', version: '1.2.3', status: 'running', provider: 'manual', message: 'hotfix', isRollback: false });
    expect(json.events).toHaveLength(1);
  });

  it('a command that exits 0 records success, streaming its output to stderr; stdout is the key', async () => {
    const result = await cli(['deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', "console.log('rolled out')"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('rolled out');
    expect(result.stdout).toMatch(/^dep_[0-9A-Z]{26}\n$/);
    const { json } = await cliJson<DeploymentJson[]>(['history']);
    expect(json[0]).toMatchObject({ status: 'success', provider: 'command', error: null });
    expect(json[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a command that fails records failed with the tail of its output, exit 1', async () => {
    const script = "for (let i = 0; i < 50; i++) console.log('line ' + i); console.error('Error: UPGRADE FAILED'); process.exit(3)";
    const { result, json } = await cliJson(['deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', script]);
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.error).toContain('command exited 3');
    expect(json.error).toContain('Error: UPGRADE FAILED');
    expect(json.error).not.toContain('line 10\n');
  });

  it('with --json the command output goes to stderr and stdout holds one JSON document', async () => {
    const { result, json } = await cliJson(['deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', "console.log('noise')"]);
    expect(json.status).toBe('success');
    expect(result.stderr).toContain('noise');
  });

  it('a command that is not on PATH is refused before anything is recorded', async () => {
    const result = await cli(['deploy', '--app', 'web', '--env', 'dev', '--', 'no-such-deploy-tool-xyz', 'up']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("command not found: 'no-such-deploy-tool-xyz'");
    expect((await snapshot(store)).deployments).toHaveLength(0);
  });

  it('a second deploy of the same key returns the first', async () => {
    const args = ['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0', '--key', 'ci-123'];
    const first = await cliJson(args);
    await cli(['finish', first.json.key, '--status', 'success']);
    const second = await cliJson(args);
    expect(second.result.code).toBe(0);
    expect(second.json.id).toBe(first.json.id);
    expect((await snapshot(store)).deployments).toHaveLength(1);
  });

  it('a key reused for different content is a conflict, exit 4', async () => {
    await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0', '--key', 'ci-123']);
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '2.0.0', '--key', 'ci-123']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/idempotency key 'ci-123' was already used .* version/);
  });

  it('a second active deployment of the same app and environment exits 4', async () => {
    await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0']);
    const before = await snapshot(store);
    const result = await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.1']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('already has an active deployment');
    expect(await snapshot(store)).toEqual(before);
    expect((await cli(['deploy', '--app', 'web', '--env', 'staging', '--version', '1.0.1'])).code).toBe(0);
  });

  it('--supersede cancels the older active deployment', async () => {
    const older = (await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0'])).stdout.trim();
    const newer = await cliJson(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.1', '--supersede']);
    expect(newer.result.code).toBe(0);
    const { json } = await cliJson(['show', older]);
    expect(json.status).toBe('cancelled');
    expect(json.events!.at(-1)).toMatchObject({ from: 'running', to: 'cancelled', detail: `superseded by ${newer.json.key}` });
  });

  it('GitHub Actions fills commit, repo, actor and the run URL', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_SHA: 'a'.repeat(40), GITHUB_REPOSITORY: 'acme/web', GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_SERVER_URL: 'https://github.com' };
    const { json } = await cliJson(['deploy', '--app', 'web', '--env', 'prod'], env);
    expect(json).toMatchObject({ commitSha: 'a'.repeat(40), repo: 'acme/web', operator: 'octocat', ciRunUrl: 'https://github.com/acme/web/actions/runs/42/attempts/2' });
  });

  it('GitLab CI fills commit, project, user and the pipeline URL; flags win over the environment', async () => {
    const env = { GITLAB_CI: 'true', CI_COMMIT_SHA: 'b'.repeat(40), CI_PROJECT_PATH: 'group/sub/api', GITLAB_USER_LOGIN: 'dev1', CI_PIPELINE_URL: 'https://gitlab.example/p/1' };
    const { json } = await cliJson(['deploy', '--app', 'api', '--env', 'prod', '--operator', 'release-bot'], env);
    expect(json).toMatchObject({ commitSha: 'b'.repeat(40), repo: 'group/sub/api', operator: 'release-bot', ciRunUrl: 'https://gitlab.example/p/1' });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s is forwarded to the command and the record ends cancelled', async (signal) => {
    const marker = join(store.dir, 'started');
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); process.on('${signal}', () => { console.log('stopping'); process.exit(130); }); setInterval(() => {}, 1000);`;
    const child = startCli(['--db', store.spec, '--json', 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', script]);
    await waitForFile(marker);
    child.kill(signal);
    const result = await child.result;
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as DeploymentJson;
    expect(json.status).toBe('cancelled');
    expect(json.error).toContain(`interrupted by ${signal}`);
  });

  it('--timeout stops a command that hangs and records failed', async () => {
    const { result, json } = await cliJson(['deploy', '--app', 'web', '--env', 'dev', '--timeout', '500ms', '--', process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.error).toMatch(/timed out after/);
  });

  it("a shiplog killed outright leaves a running record holding the dead follower's lease", async () => {
    const marker = join(store.dir, 'started');
    const child = startCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setTimeout(() => {}, 3000)`]);
    await waitForFile(marker);
    child.kill('SIGKILL');
    await child.result;
    const rows = (await snapshot(store)).deployments;
    expect(rows[0]).toMatchObject({ status: 'running' });
    expect(rows[0]!.lease_owner).toMatch(/:\d+:/);
    expect(typeof rows[0]!.heartbeat_at).toBe('string');
  });
});

async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const { existsSync } = await import('node:fs');
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
