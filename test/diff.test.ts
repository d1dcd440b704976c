import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DeploymentDiff } from '../src/insights/deployment-diff.js';
import { runCli, runCliJson } from './support/cli.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('diff on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const deploy = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const { result, json } = await runCliJson(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', ...args], { env });
    expect(result.code, result.stderr).toBe(0);
    return json;
  };

  it('names the fields that changed and links the commit range on GitHub', async () => {
    const first = await deploy(['--version', '1.0.0', '--commit', 'aaaa111', '--repo', 'acme/web', '--operator', 'ann', '--', 'true']);
    const second = await deploy(['--version', '1.1.0', '--commit', 'bbbb222', '--repo', 'acme/web', '--operator', 'bob', '--message', 'faster checkout', '--', 'node', '-e', '0']);

    const { result, json } = await runCliJson<DeploymentDiff>(['--db', store.spec, 'diff', first.key, String(second.id)]);

    expect(result.code).toBe(0);
    expect(json.changes).toEqual([
      { field: 'version', from: '1.0.0', to: '1.1.0' },
      { field: 'commitSha', from: 'aaaa111', to: 'bbbb222' },
      { field: 'operator', from: 'ann', to: 'bob' },
      { field: 'message', from: null, to: 'faster checkout' },
      { field: 'target.command', from: 'true', to: 'node' },
    ]);
    expect(json.commits).toEqual({
      repo: 'acme/web',
      from: 'aaaa111',
      to: 'bbbb222',
      range: 'aaaa111..bbbb222',
      compareUrl: 'https://github.com/acme/web/compare/aaaa111...bbbb222',
    });
    const human = await runCli(['--db', store.spec, 'diff', first.key, second.key]);
    expect(human.stdout).toMatch(/version\s+1\.0\.0\s+1\.1\.0/);
    expect(human.stdout).toContain('commits: aaaa111..bbbb222');
  });

  it('takes the GitLab host of a pipeline URL for the compare link', async () => {
    const gitlab = (sha: string) => ({
      GITLAB_CI: 'true',
      CI_COMMIT_SHA: sha,
      CI_PROJECT_PATH: 'platform/shop/web',
      CI_PIPELINE_URL: 'https://gitlab.example.com/platform/shop/web/-/pipelines/41',
    });
    const first = await deploy(['--version', '1.0.0', '--', 'true'], gitlab('cccc333'));
    const second = await deploy(['--version', '1.0.1', '--', 'true'], gitlab('dddd444'));

    const { json } = await runCliJson<DeploymentDiff>(['--db', store.spec, 'diff', first.key, second.key]);

    expect(json.commits?.compareUrl).toBe('https://gitlab.example.com/platform/shop/web/-/compare/cccc333...dddd444');
  });

  it('gives no commit range when one deployment has no commit', async () => {
    const first = await deploy(['--version', '1.0.0', '--', 'true']);
    const second = await deploy(['--version', '1.0.1', '--commit', 'eeee555', '--repo', 'acme/web', '--', 'true']);

    const { json } = await runCliJson<DeploymentDiff>(['--db', store.spec, 'diff', first.key, second.key]);

    expect(json.commits).toBeNull();
    expect(json.changes.map((change) => change.field)).toEqual(['version', 'commitSha', 'repo']);
  });

  it('refuses an unknown deployment with one line and exit 2', async () => {
    const first = await deploy(['--version', '1.0.0', '--', 'true']);

    const result = await runCli(['--db', store.spec, 'diff', first.key, 'dep_NOSUCH']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('dep_NOSUCH');
  });
});
