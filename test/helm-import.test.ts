import { expect, it } from 'vitest';
import { helmSuite, shopRevision } from '../fixtures/helm-suite.js';
import type { ImportReport } from '../src/commands/import.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('import --from helm on %s', (kind) => {
  const t = helmSuite(kind);
  const db = () => ['--db', t.store.spec];
  const importHelm = (...args: string[]) => runCliJson<ImportReport>([...db(), 'import', '--from', 'helm', ...args], { env: t.env });
  const history = async () => (await runCliJson<DeploymentJson[]>([...db(), 'history', '--limit', '100'], { env: t.env })).json;
  const day = (n: number) => `2026-11-0${n}T10:00:00Z`;

  /**
   * Namespace prod as Helm left it: release shop in Secrets (Helm 3) — installed, an upgrade that failed, a rollback
   * to revision 1, an upgrade whose client died pending; release queue in ConfigMaps (Helm 4), uninstalled with its
   * history kept; and one Secret labelled as Helm's that does not decode. Namespace staging has a release too.
   */
  function prodHistory(): void {
    const { core } = t.cluster.api;
    core.putRelease(shopRevision(1, 'superseded', { lastDeployed: day(1) }));
    core.putRelease(shopRevision(2, 'failed', { lastDeployed: day(2), description: 'Upgrade "shop" failed: timed out waiting for the condition' }));
    core.putRelease(shopRevision(3, 'superseded', { lastDeployed: day(3), chartVersion: '1.1.0', rollbackTo: 1 }));
    core.putRelease(shopRevision(4, 'pending-upgrade', { lastDeployed: day(4), description: 'Preparing upgrade' }));
    core.putRelease({ namespace: 'prod', release: 'queue', revision: 1, status: 'uninstalled', chartVersion: '3.0.0', appVersion: '3.12', helm: 4, lastDeployed: day(1), deleted: day(5), description: 'Uninstallation complete' }, 'configmap');
    core.putRaw('secret', 'prod', 'sh.helm.release.v1.broken.v1', { owner: 'helm', name: 'broken', version: '1', status: 'deployed' }, Buffer.from('not base64 at all!').toString('base64'));
    core.putRelease(shopRevision(1, 'deployed', { namespace: 'staging', lastDeployed: day(1) }));
  }

  it("brings a namespace's history in, every revision of every release, and a second run adds nothing", async () => {
    prodHistory();
    const first = await importHelm('prod');
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.json).toMatchObject({ from: 'helm', file: 'prod', read: 5, imported: 5, alreadyImported: 0, settled: 0 });
    expect(first.json.skipped).toEqual([{ reason: "a stored record that does not decode as Helm's (base64, gzip, JSON)", count: 1 }]);
    expect(first.result.stderr).toContain('skipped: Secret prod/sh.helm.release.v1.broken.v1: the release is not base64');

    const records = await history();
    const shop = (revision: number) => records.find((d) => d.app === 'shop' && (d.target as { revision: number }).revision === revision)!;
    expect(records.map((d) => [d.app, d.env, d.version, d.status, d.provider])).toEqual([
      ['shop', 'prod', '1.4.0', 'stale', 'helm'],
      ['shop', 'prod', '1.1.0', 'success', 'helm'],
      ['shop', 'prod', '1.2.0', 'failed', 'helm'],
      ['shop', 'prod', '1.1.0', 'success', 'helm'],
      ['queue', 'prod', '3.0.0', 'success', 'helm'],
    ]);
    expect(shop(2).error).toBe('Upgrade "shop" failed: timed out waiting for the condition');
    expect(shop(3)).toMatchObject({ isRollback: true, rollbackOf: shop(2).id, message: 'Rollback to 1' });
    expect(shop(3).target).toMatchObject({ revision: 3, rollbackTo: 1, appVersion: '2.3.0', helmStatus: 'superseded', driver: 'secret', context: 'fake' });
    expect(shop(2).rolledBackBy).toBe(shop(3).id);
    expect(shop(1).rolledBackBy).toBeNull();

    const queue = records.find((d) => d.app === 'queue')!;
    const events = (await runCliJson<DeploymentJson>([...db(), 'show', queue.key], { env: t.env })).json.events!;
    expect(events.map((e) => e.detail)).toEqual([expect.stringMatching(/^imported from helm/), 'Helm uninstalled release prod/queue (Uninstallation complete)']);
    expect(queue.target).toMatchObject({ driver: 'configmap', appVersion: '3.12' });

    const second = await importHelm('prod');
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.json).toMatchObject({ read: 5, imported: 0, alreadyImported: 5 });
    expect(await history()).toHaveLength(5);
  });

  it('settles a revision imported pending once Helm has settled it, and only that', async () => {
    prodHistory();
    await importHelm('prod');
    t.cluster.api.core.putRelease(shopRevision(4, 'deployed', { lastDeployed: day(6) }));
    const again = await importHelm('prod');
    expect(again.json).toMatchObject({ imported: 0, settled: 1 });
    expect((await history()).filter((d) => d.status === 'stale')).toEqual([]);
  });

  it('a history longer than one page of the API (100 objects) is read whole', async () => {
    for (let revision = 1; revision <= 130; revision += 1) t.cluster.api.core.putRelease(shopRevision(revision, revision === 130 ? 'deployed' : 'superseded', { lastDeployed: day(1) }));
    const { result, json } = await importHelm('prod/shop');
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 130, imported: 130 });
    expect(t.cluster.api.requests.filter((r) => r.path === '/api/v1/namespaces/prod/secrets').map((r) => r.query.continue ?? '')).toEqual(['', '100']);
  });

  it('NAMESPACE/RELEASE imports that release only, under --app and --env when given', async () => {
    prodHistory();
    const { result, json } = await importHelm('prod/shop', '--app', 'webshop', '--env', 'production');
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 4, imported: 4 });
    expect(new Set((await history()).map((d) => `${d.app}@${d.env}`))).toEqual(new Set(['webshop@production']));
  });

  it('a rollback after importing goes back through helm rollback to the revision the last good record names', async () => {
    prodHistory();
    t.cluster.api.core.putRelease(shopRevision(4, 'failed', { lastDeployed: day(4) }));
    await importHelm('prod/shop');
    const { result, json } = await runCliJson<{ rollbackTo: DeploymentJson }>([...db(), 'rollback', '--app', 'shop', '--env', 'prod', '--dry-run'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(json.rollbackTo.target).toMatchObject({ revision: 3 });
  });

  it('exit 5 when no stored record decodes, and nothing is imported', async () => {
    t.cluster.api.core.putRaw('configmap', 'prod', 'sh.helm.release.v1.shop.v1', { owner: 'helm', name: 'shop', version: '1' }, 'H4sIAAAA-broken');
    const result = await runCli([...db(), 'import', '--from', 'helm', 'prod'], { env: t.env });
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("none of Helm's 1 stored records in namespace prod could be read (ConfigMap prod/sh.helm.release.v1.shop.v1: the release is not base64)");
  });

  it.each([['Prod'], ['prod/shop/v1'], ['prod/Shop']])('%s is not a namespace or release: exit 2, before the cluster is asked', async (ref) => {
    const result = await runCli([...db(), 'import', '--from', 'helm', ref], { env: t.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not NAMESPACE or NAMESPACE/RELEASE');
    expect(t.cluster.api.requests).toHaveLength(0);
  });
});
