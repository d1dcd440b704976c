import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EnvironmentState } from '../src/db/deployments.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { execSql, snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('finish, history, show and status on %s', (kind) => {
  let store: TestStore;
  const cli = (args: string[]) => runCli(['--db', store.spec, ...args]);
  const cliJson = <T = DeploymentJson>(args: string[]) => runCliJson<T>(['--db', store.spec, ...args]);
  const deploy = async (app: string, env: string, version: string, status?: 'success' | 'failed' | 'cancelled') => {
    const key = (await cli(['deploy', '--app', app, '--env', env, '--version', version])).stdout.trim();
    if (status) await cli(['finish', key, '--status', status]);
    return key;
  };
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('finish closes a running deployment with an event from the cli', async () => {
    const key = await deploy('web', 'prod', '1.0.0');
    const { result, json } = await cliJson(['finish', key, '--status', 'failed', '--message', 'smoke tests red']);
    expect(result.code).toBe(0);
    expect(json).toMatchObject({ status: 'failed', error: 'smoke tests red' });
    expect(json.completedAt).not.toBeNull();
    const shown = await cliJson(['show', key]);
    expect(shown.json.events!.at(-1)).toMatchObject({ from: 'running', to: 'failed', source: 'cli', detail: 'smoke tests red' });
  });

  it('finishing with the status it already has changes nothing and exits 0', async () => {
    const key = await deploy('web', 'prod', '1.0.0', 'success');
    const before = await snapshot(store);
    expect((await cli(['finish', key, '--status', 'success'])).code).toBe(0);
    expect(await snapshot(store)).toEqual(before);
  });

  it('finish accepts the numeric id as well as the key', async () => {
    await deploy('web', 'prod', '1.0.0');
    const { json } = await cliJson(['finish', '1', '--status', 'success']);
    expect(json).toMatchObject({ id: 1, status: 'success' });
  });

  it('history lists newest first and filters by app, env, status and limit', async () => {
    await deploy('web', 'prod', '1.0.0', 'success');
    await deploy('web', 'prod', '1.0.1', 'failed');
    await deploy('api', 'prod', '3.0.0', 'success');
    await deploy('web', 'staging', '1.0.2');
    const all = await cliJson<DeploymentJson[]>(['history']);
    expect(all.json.map((d) => d.version)).toEqual(['1.0.2', '3.0.0', '1.0.1', '1.0.0']);
    const web = await cliJson<DeploymentJson[]>(['history', '--app', 'web', '--env', 'prod']);
    expect(web.json.map((d) => d.version)).toEqual(['1.0.1', '1.0.0']);
    const failed = await cliJson<DeploymentJson[]>(['history', '--status', 'failed']);
    expect(failed.json.map((d) => d.version)).toEqual(['1.0.1']);
    const running = await cliJson<DeploymentJson[]>(['history', '--status', 'running']);
    expect(running.json.map((d) => d.version)).toEqual(['1.0.2']);
    const limited = await cliJson<DeploymentJson[]>(['history', '--limit', '2']);
    expect(limited.json).toHaveLength(2);
  });

  it('history --since leaves out older deployments', async () => {
    await deploy('web', 'prod', '0.9.0', 'success');
    await execSql(store, `update deployments set created_at = '2020-01-01T00:00:00.000Z' where version = '0.9.0'`);
    await deploy('web', 'prod', '1.0.0', 'success');
    const { json } = await cliJson<DeploymentJson[]>(['history', '--since', '30d']);
    expect(json.map((d) => d.version)).toEqual(['1.0.0']);
    const byDate = await cliJson<DeploymentJson[]>(['history', '--since', '2019-12-31']);
    expect(byDate.json).toHaveLength(2);
  });

  it('history prints a readable table without a terminal and no colour codes', async () => {
    await deploy('web', 'prod', '1.0.0', 'success');
    const result = await cli(['history']);
    expect(result.stdout.split('\n')[0]).toMatch(/^ID\s+KEY\s+APP\s+ENV\s+VERSION\s+STATUS/);
    expect(result.stdout).toContain('success');
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('history of an empty store says so', async () => {
    await cli(['doctor', '--fix']);
    const result = await cli(['history']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('no deployments match');
    expect((await cliJson<DeploymentJson[]>(['history'])).json).toEqual([]);
  });

  it('show prints every contract field and the events', async () => {
    const key = await deploy('web', 'prod', '1.0.0', 'success');
    const { json } = await cliJson(['show', key]);
    for (const field of ['id', 'key', 'app', 'env', 'version', 'commitSha', 'repo', 'image', 'provider', 'target', 'status', 'isRollback', 'rollbackOf', 'rolledBackBy', 'operator', 'message', 'ciRunUrl', 'idempotencyKey', 'createdAt', 'startedAt', 'completedAt', 'durationMs', 'error', 'events']) {
      expect(json).toHaveProperty(field);
    }
    expect(json.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(json.events!.map((e) => [e.from, e.to])).toEqual([[null, 'running'], ['running', 'success']]);
    const human = await cli(['show', key]);
    expect(human.stdout).toMatch(/status:\s+success/);
    expect(human.stdout).toContain('events:');
  });

  it('status shows the last success of each app and environment and what is still open', async () => {
    await deploy('web', 'prod', '1.0.0', 'success');
    await deploy('web', 'prod', '1.1.0', 'failed');
    await deploy('web', 'prod', '1.2.0');
    await deploy('api', 'staging', '7.0.0', 'success');
    const { json } = await cliJson<EnvironmentState[]>(['status']);
    expect(json.map((s) => [s.app, s.env, s.current?.version, s.open.map((d) => d.version)])).toEqual([
      ['api', 'staging', '7.0.0', []],
      ['web', 'prod', '1.0.0', ['1.2.0']],
    ]);
    const filtered = await cliJson<EnvironmentState[]>(['status', '--env', 'staging']);
    expect(filtered.json).toHaveLength(1);
    const human = await cli(['status']);
    expect(human.stdout).toMatch(/web\s+prod\s+1\.0\.0/);
  });
});
