import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RollbackPreview } from '../src/commands/rollback.js';
import type { Stats } from '../src/commands/stats.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { ago, insertHistory, minutes } from './support/history-rows.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('rollback on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const cli = (args: string[]) => runCli(['--db', store.spec, ...args]);
  const json = <T = DeploymentJson>(args: string[]) => runCliJson<T>(['--db', store.spec, ...args]);
  const deploy = async (version: string, command = 'true', app = 'web') => {
    const { json: deployment } = await json(['deploy', '--app', app, '--env', 'prod', '--version', version, '--', command]);
    return deployment;
  };
  const rollback = (...args: string[]) => json(['rollback', '--app', 'web', '--env', 'prod', ...args]);
  const show = async (ref: number | string) => (await json(['show', String(ref)])).json;

  it('undoes a failed deployment: v2.1 and v2.2 succeeded, v2.3 failed after it ran, so v2.2 is deployed again', async () => {
    const oldest = await deploy('2.1.0');
    const good = await deploy('2.2.0');
    const broken = await deploy('2.3.0', 'false');
    expect(broken).toMatchObject({ status: 'failed' });

    const { result, json: rolled } = await rollback('--message', 'checkout broke', '--', 'true');

    expect(result.code, result.stderr).toBe(0);
    expect(rolled).toMatchObject({ version: '2.2.0', status: 'success', isRollback: true, rollbackOf: broken.id, message: 'checkout broke', provider: 'command' });
    expect((await show(broken.id)).rolledBackBy).toBe(rolled.id);
    expect((await show(good.id)).rolledBackBy).toBeNull();
    expect((await show(oldest.id)).rolledBackBy).toBeNull();
  });

  it('passes over rolled-back successes and what deploys the same as what runs, until nothing is left', async () => {
    await deploy('1.0.0');
    const second = await deploy('1.1.0');
    const { json: first } = await rollback('--', 'true');
    expect(first).toMatchObject({ version: '1.0.0', rollbackOf: second.id });
    expect((await show(second.id)).rolledBackBy).toBe(first.id);

    // Now 1.0.0 runs again; 1.1.0 was rolled back, and the first 1.0.0 deploys what runs: nothing is left.
    const again = await cli(['rollback', '--app', 'web', '--env', 'prod', '--', 'true']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^shiplog: nothing to roll back to: web in prod runs dep_\w+ \(1\.0\.0\), and .*--to\n$/);
  });

  it('passes over a newer deployment whose change was never applied', async () => {
    await deploy('1.0.0');
    const runs = await deploy('1.1.0');
    await insertHistory(store.spec, [{ version: '1.2.0', status: 'failed', provider: 'command', createdAt: new Date(), startedAt: null, completedAt: new Date() }]);

    const { result, json: preview } = await json<RollbackPreview>(['rollback', '--app', 'web', '--env', 'prod', '--dry-run', '--', 'true']);

    expect(result.code, result.stderr).toBe(0);
    expect(preview).toMatchObject({ replacing: { id: runs.id }, rollbackTo: { version: '1.0.0' } });
    expect(preview.reason).toMatch(/newer, never applied: dep_\w+ \(1\.2\.0\) failed/);
  });

  it('takes what runs now from the newest record by creation time, so an imported older history stays in the past', async () => {
    await deploy('1.0.0');
    const runs = await deploy('1.1.0');
    await insertHistory(store.spec, [
      { version: '0.9.0', status: 'success', provider: 'command', createdAt: ago(minutes(90)), completedAt: ago(minutes(90)) },
      { version: '0.9.1', status: 'failed', provider: 'command', createdAt: ago(minutes(60)), completedAt: ago(minutes(60)) },
    ]);

    const { result, json: preview } = await json<RollbackPreview>(['rollback', '--app', 'web', '--env', 'prod', '--dry-run', '--', 'true']);

    expect(result.code, result.stderr).toBe(0);
    expect(preview).toMatchObject({ replacing: { id: runs.id }, rollbackTo: { version: '1.0.0' } });
  });

  it('counts a rolled-back failure once in the change failure rate', async () => {
    await deploy('1.0.0');
    await deploy('1.1.0', 'false');
    const { result } = await rollback('--', 'true');
    expect(result.code, result.stderr).toBe(0);

    const { json: stats } = await json<Stats>(['stats', '--app', 'web', '--env', 'prod']);

    expect(stats.changeFailureRate).toMatchObject({ changes: 2, failed: 1, rolledBack: 0, rate: 0.5 });
  });

  it('takes --to as an id, a key or a version, and refuses what is not an earlier success', async () => {
    const row = (version: string, status: 'success' | 'failed', minutesAgo: number, applied = true) => ({
      version,
      status,
      provider: 'command' as const,
      target: { command: 'true' },
      createdAt: ago(minutes(minutesAgo)),
      startedAt: applied ? ago(minutes(minutesAgo)) : null,
      completedAt: ago(minutes(minutesAgo)),
    });
    const ids = await insertHistory(store.spec, [
      row('1.0.0', 'success', 40),
      row('1.1.0', 'success', 30),
      row('1.2.0', 'success', 20),
      row('1.3.0', 'failed', 10),
      row('1.4.0', 'failed', 5, false),
    ]);
    const keys = new Map((await snapshot(store)).deployments.map((d) => [Number(d.id), String(d.key)]));
    const [first, second, third, failed, neverApplied] = ids.map((id) => ({ id, key: keys.get(id)! }));

    // 1.3.0 failed after it was applied: it is what runs, so 1.2.0, the newest success, is a target too.
    for (const [to, expected] of [[String(first!.id), first!.key], [second!.key, second!.key], ['1.0.0', first!.key], ['1.2.0', third!.key], [third!.key, third!.key]] as const) {
      const { result, json: preview } = await json<RollbackPreview>(['rollback', '--app', 'web', '--env', 'prod', '--to', to, '--dry-run', '--', 'true']);
      expect(result.code, `${to}: ${result.stderr}`).toBe(0);
      expect(preview.rollbackTo.key, to).toBe(expected);
      expect(preview.replacing.key, to).toBe(failed!.key);
    }
    for (const to of [failed!.key, neverApplied!.key, '1.3.0', '9.9.9']) {
      const refused = await cli(['rollback', '--app', 'web', '--env', 'prod', '--to', to, '--', 'true']);
      expect(refused.code, to).toBe(2);
      expect(refused.stderr.trim().split('\n'), to).toHaveLength(1);
    }
  });

  it('with --dry-run says what it would deploy and writes nothing', async () => {
    await deploy('1.0.0');
    await deploy('1.1.0');
    const before = await snapshot(store);

    const { result, json: preview } = await json<RollbackPreview>(['rollback', '--app', 'web', '--env', 'prod', '--dry-run', '--', 'true']);
    const human = await cli(['rollback', '--app', 'web', '--env', 'prod', '--dry-run', '--', 'true']);

    expect(result.code).toBe(0);
    expect(preview).toMatchObject({ dryRun: true, provider: 'command', replacing: { version: '1.1.0' }, rollbackTo: { version: '1.0.0' } });
    expect(preview.reason).toMatch(/^web in prod runs dep_\w+ \(1\.1\.0\); dep_\w+ \(1\.0\.0\) is the newest success before it that was not rolled back and deploys something else$/);
    expect(human.stdout).toContain('would roll back web in prod');
    expect(human.stdout).toMatch(/\n {2}from dep_\w+ \(1\.1\.0\): success .*\n {2}to {3}dep_\w+ \(1\.0\.0\): success .*\n {2}why: web in prod runs /);
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses with exit 4 while a deployment of the app and environment is active', async () => {
    await deploy('1.0.0');
    await deploy('1.1.0');
    await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', '1.2.0']);
    const before = await snapshot(store);

    const result = await cli(['rollback', '--app', 'web', '--env', 'prod', '--', 'true']);

    expect(result.code).toBe(4);
    expect(result.stderr).toContain('active deployment');
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses with exit 2 when there is nothing to roll back to, or a command deployment comes without its command', async () => {
    const none = await cli(['rollback', '--app', 'web', '--env', 'prod', '--', 'true']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no deployment of web in prod has been applied');

    await deploy('1.0.0');
    const single = await cli(['rollback', '--app', 'web', '--env', 'prod', '--', 'true']);
    expect(single.code).toBe(2);

    await deploy('1.1.0');
    const runsNow = await cli(['rollback', '--app', 'web', '--env', 'prod', '--to', '1.1.0', '--', 'true']);
    expect(runsNow.code).toBe(2);
    expect(runsNow.stderr).toMatch(/^shiplog: --to '1\.1\.0': dep_\w+ \(1\.1\.0\) is what runs in prod now; name an earlier success\n$/);
    const before = await snapshot(store);
    const withoutCommand = await cli(['rollback', '--app', 'web', '--env', 'prod']);
    expect(withoutCommand.code).toBe(2);
    expect(withoutCommand.stderr).toContain('never stores a command');
    expect(withoutCommand.stderr.trim().split('\n')).toHaveLength(1);
    expect(await snapshot(store)).toEqual(before);
  });

  it('records a failed rollback as failed (exit 1) and leaves the current deployment unmarked', async () => {
    await deploy('1.0.0');
    const current = await deploy('1.1.0');

    const { result, json: rolled } = await rollback('--', 'false');

    expect(result.code).toBe(1);
    expect(rolled).toMatchObject({ status: 'failed', isRollback: true, rollbackOf: current.id });
    expect((await show(current.id)).rolledBackBy).toBeNull();
  });

  it('rolls a record-only deployment back as a running record that CI closes', async () => {
    for (const version of ['1.0.0', '1.1.0']) {
      const recorded = await cli(['deploy', '--app', 'web', '--env', 'prod', '--version', version]);
      await cli(['finish', recorded.stdout.trim(), '--status', 'success']);
    }

    const result = await cli(['rollback', '--app', 'web', '--env', 'prod']);
    const key = result.stdout.trim();
    const rolled = await show(key);

    expect(result.code, result.stderr).toBe(0);
    expect(rolled).toMatchObject({ provider: 'manual', status: 'running', isRollback: true, version: '1.0.0' });
    expect(result.stderr).toContain(`shiplog finish ${key}`);
    await cli(['finish', key, '--status', 'success']);
    expect((await show(rolled.rollbackOf!)).rolledBackBy).toBe(rolled.id);
  });
});
