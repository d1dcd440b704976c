import { expect, it } from 'vitest';
import { imageWrite, revisionWrite } from '../fixtures/helm-stand-in.js';
import { helmSuite, shopRevision } from '../fixtures/helm-suite.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('rollback of a Helm release on %s', (kind) => {
  const t = helmSuite(kind);
  const db = () => ['--db', t.store.spec];
  const deploy = (version: string, argv: string[] = []) =>
    runCliJson<DeploymentJson>([...db(), 'deploy', '--app', 'shop', '--env', 'prod', '--version', version, '--helm', 'prod/shop', '--wait', ...(argv.length > 0 ? ['--', ...argv] : [])], { env: t.env });

  /** Revision 1 deployed and recorded a success; revisions 2 and 3 upgrades Helm failed, each recorded failed. */
  async function goodThenTwoFailures(): Promise<DeploymentJson> {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    const good = await deploy('1.1.0');
    expect(good.result.code, good.result.stderr).toBe(0);
    for (const revision of [2, 3]) {
      t.helm.plan([revisionWrite(shopRevision(revision, 'failed', { description: `Upgrade "shop" failed: revision ${revision} broke` }), 'POST')]);
      const failed = await deploy(`1.${revision}.0`, ['helm', 'upgrade', 'shop', './chart']);
      expect(failed.result.code, failed.result.stderr).toBe(1);
    }
    return good.json;
  }

  it('runs helm rollback with the revision of the last good record, not the latest minus one, and follows the revision it makes to success', async () => {
    const good = await goodThenTwoFailures();
    t.helm.plan([
      revisionWrite(shopRevision(4, 'pending-rollback', { chartVersion: '1.1.0', rollbackTo: 1 }), 'POST'),
      imageWrite('prod', 'shop-web', 'registry.example/shop-web:1.1.0'),
      revisionWrite(shopRevision(1, 'superseded'), 'PUT'),
      revisionWrite(shopRevision(4, 'deployed', { chartVersion: '1.1.0', rollbackTo: 1 }), 'PUT'),
    ]);
    const { result, json } = await runCliJson<DeploymentJson>([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--wait'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(t.helm.calls().at(-1)).toEqual(['rollback', 'shop', '1', '--namespace', 'prod', '--wait', '--kube-context', 'fake']);
    expect(json).toMatchObject({ status: 'success', provider: 'helm', isRollback: true, version: good.version });
    expect(json.target).toMatchObject({ revision: 4, previousRevision: 3, helmStatus: 'deployed', description: 'Rollback to 1', chartVersion: '1.1.0' });
  });

  it("passes --timeout on to helm, so Helm settles the revision itself rather than being stopped half-way", async () => {
    await goodThenTwoFailures();
    t.helm.plan([revisionWrite(shopRevision(4, 'deployed', { rollbackTo: 1 }), 'POST')]);
    const { result } = await runCliJson<DeploymentJson>([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--wait', '--timeout', '90s'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(t.helm.calls().at(-1)).toEqual(['rollback', 'shop', '1', '--namespace', 'prod', '--wait', '--kube-context', 'fake', '--timeout', '90s']);
  });

  it('--dry-run names the revision it would go back to and runs nothing', async () => {
    await goodThenTwoFailures();
    const calls = t.helm.calls().length;
    const { result, json } = await runCliJson<{ rollbackTo: DeploymentJson; provider: string }>([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--dry-run'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(json.provider).toBe('helm');
    expect(json.rollbackTo.target).toMatchObject({ revision: 1 });
    expect(t.helm.calls()).toHaveLength(calls);
  });

  it('without helm on PATH is exit 5, naming the command it would run and what to install; nothing is recorded', async () => {
    await goodThenTwoFailures();
    const result = await runCli([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--wait'], { env: { ...t.env, PATH: '/usr/bin:/bin' } });
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("'helm rollback shop 1 --namespace prod --wait --kube-context fake'");
    expect(result.stderr).toContain('install Helm');
    const history = (await runCliJson<DeploymentJson[]>([...db(), 'history'], { env: t.env })).json;
    expect(history.filter((d) => d.isRollback)).toEqual([]);
  });

  it('a command after -- rolls back instead of helm rollback, and the revision it makes is followed', async () => {
    await goodThenTwoFailures();
    t.helm.plan([revisionWrite(shopRevision(4, 'deployed', { rollbackTo: 1 }), 'POST')]);
    const { result, json } = await runCliJson<DeploymentJson>([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--wait', '--', 'helm', 'rollback', 'shop', '1', '--namespace', 'prod'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(t.helm.calls().at(-1)).toEqual(['rollback', 'shop', '1', '--namespace', 'prod']);
    expect(json.target).toMatchObject({ revision: 4 });
  });
});
