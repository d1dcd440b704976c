import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { shopRevision, helmSuite } from '../fixtures/helm-suite.js';
import { imageWrite, revisionWrite } from '../fixtures/helm-stand-in.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { waitUntil } from './support/kubernetes.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('deploy --helm on %s', (kind) => {
  const t = helmSuite(kind);
  const deployArgs = (...rest: string[]) => ['--db', t.store.spec, 'deploy', '--app', 'shop', '--env', 'prod', ...rest];
  const show = async (key: string) => (await runCliJson<DeploymentJson>(['--db', t.store.spec, 'show', key], { env: t.env })).json;

  /** What `helm upgrade shop` writes: revision 2 pending, revision 1 superseded, revision 2 deployed, the new image applied between. */
  const upgradeWrites = (final: 'deployed' | 'failed', description?: string) => [
    revisionWrite(shopRevision(2, 'pending-upgrade', { description: 'Preparing upgrade' }), 'POST'),
    imageWrite('prod', 'shop-db', 'registry.example/shop-db:2.0.0', 'statefulsets'),
    imageWrite('prod', 'shop-web', 'registry.example/shop-web:2.0.0'),
    ...(final === 'deployed' ? [revisionWrite(shopRevision(1, 'superseded'), 'PUT')] : []),
    revisionWrite(shopRevision(2, final, { description }), 'PUT'),
  ];

  it('a helm upgrade run by deploy is recorded with the revision it produced, and followed through Helm and both workloads of its manifest (a StatefulSet, a Deployment) to success', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    t.helm.plan(upgradeWrites('deployed'));
    const { result, json } = await runCliJson<DeploymentJson>(deployArgs('--helm', 'prod/shop', '--wait', '--', 'helm', 'upgrade', 'shop', './chart', '--namespace', 'prod'), { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', provider: 'helm', error: null });
    expect(json.target).toEqual({
      namespace: 'prod',
      release: 'shop',
      revision: 2,
      previousRevision: 1,
      chart: 'shop',
      chartVersion: '1.2.0',
      appVersion: '2.2.0',
      helmStatus: 'deployed',
      description: 'Upgrade complete',
      driver: 'secret',
      context: 'fake',
      server: t.cluster.api.url,
    });
    expect(t.helm.calls()).toEqual([['upgrade', 'shop', './chart', '--namespace', 'prod']]);
    expect(t.cluster.api.get('prod', 'shop-web')!.status.observedGeneration).toBe(2);
    expect(t.cluster.api.workload('statefulset', 'prod', 'shop-db')!.status.observedGeneration).toBe(2);
    const events = (await show(json.key)).events!;
    expect(events.at(-1)!.detail).toContain('rolled out: StatefulSet prod/shop-db, Deployment prod/shop-web');
  });

  it("a revision Helm failed ends the deployment failed with Helm's description, exit 1", async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    const why = 'Upgrade "shop" failed: context deadline exceeded';
    t.helm.plan(upgradeWrites('failed', why));
    const { result, json } = await runCliJson<DeploymentJson>(deployArgs('--helm', 'prod/shop', '--wait', '--', 'helm', 'upgrade', 'shop', './chart'), { env: t.env });
    expect(result.code, result.stderr).toBe(1);
    expect(json).toMatchObject({ status: 'failed', error: why });
    expect(json.target).toMatchObject({ revision: 2, helmStatus: 'failed', description: why });
  });

  it('a deployed revision whose Deployment exceeds its progress deadline has failed', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    t.cluster.api.behave('prod', 'shop-web', 'deadline');
    t.helm.plan(upgradeWrites('deployed'));
    const { result, json } = await runCliJson<DeploymentJson>(deployArgs('--helm', 'prod/shop', '--wait', '--', 'helm', 'upgrade', 'shop', './chart'), { env: t.env });
    expect(result.code, result.stderr).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.error).toBe('revision 2 deployed (Upgrade complete); Deployment prod/shop-web: deployment "shop-web" exceeded its progress deadline: ReplicaSet "shop-web" has timed out progressing.');
  });

  it("a revision left pending past --timeout is timeout, naming Helm's lock and the revision to roll back to", async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    t.helm.plan([revisionWrite(shopRevision(2, 'pending-upgrade', { description: 'Preparing upgrade' }), 'POST')]);
    const { result, json } = await runCliJson<DeploymentJson>(deployArgs('--helm', 'prod/shop', '--wait', '--timeout', '2s', '--', 'helm', 'upgrade', 'shop', './chart'), { env: t.env });
    expect(result.code, result.stderr).toBe(3);
    expect(json.status).toBe('timeout');
    expect(json.error).toContain('revision 2 pending-upgrade (Preparing upgrade)');
    expect(json.error).toContain("Helm's lock: revision 2 of prod/shop is pending-upgrade");
    expect(json.error).toContain("'helm rollback shop 1 --namespace prod'");
  });

  it('without a command, the latest revision is recorded running, and track follows it after the deploy is gone', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'superseded'), 'configmap');
    t.cluster.api.core.putRelease(shopRevision(2, 'pending-upgrade', { helm: 4 }), 'configmap');
    const deployed = await runCli(deployArgs('--helm', 'prod/shop'), { env: t.env });
    expect(deployed.code, deployed.stderr).toBe(0);
    const key = deployed.stdout.trim();
    expect(await show(key)).toMatchObject({ status: 'running', target: { revision: 2, driver: 'configmap', helmStatus: 'pending-upgrade' } });

    const track = startCli(['--db', t.store.spec, '--json', 'track', key], { env: t.env });
    await waitUntil('track has read revision 2', () => t.cluster.api.requests.filter((r) => r.path.endsWith('/configmaps/sh.helm.release.v1.shop.v2')).length >= 3);
    t.cluster.api.core.putRelease(shopRevision(2, 'deployed', { helm: 4 }), 'configmap');
    const result = await track.result;
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as DeploymentJson[])[0]).toMatchObject({ key, status: 'success', target: { helmStatus: 'deployed' } });
  });

  it('track --all --provider helm follows the running Helm records, and credentials refused is exit 5 with the record left running', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    t.cluster.api.core.putRelease(shopRevision(2, 'pending-upgrade'));
    const key = (await runCli(deployArgs('--helm', 'prod/shop'), { env: t.env })).stdout.trim();

    t.cluster.api.refuse(true);
    const refused = await runCli(['--db', t.store.spec, 'track', key], { env: t.env });
    expect(refused.code).toBe(5);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain("does not allow reading Helm's record prod/sh.helm.release.v1.shop.v2 (403 Forbidden)");
    expect((await show(key)).status).toBe('running');

    t.cluster.api.refuse(false);
    t.cluster.api.core.putRelease(shopRevision(2, 'failed', { description: 'Upgrade "shop" failed: hook failed' }));
    const tracked = await runCliJson<DeploymentJson[]>(['--db', t.store.spec, 'track', '--all', '--provider', 'helm'], { env: t.env });
    expect(tracked.result.code, tracked.result.stderr).toBe(1);
    expect(tracked.json.map((d) => [d.key, d.status, d.error])).toEqual([[key, 'failed', 'Upgrade "shop" failed: hook failed']]);
  });

  it(".shiplog.json may name the release, and --helm on the command line replaces a file's --k8s instead of clashing with it", async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    const repo = join(t.store.dir, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, '.shiplog.json'), JSON.stringify({ helm: 'prod/shop' }));
    const fromFile = await runCliJson<DeploymentJson>(deployArgs(), { env: t.env, cwd: repo });
    expect(fromFile.result.code, fromFile.result.stderr).toBe(0);
    expect(fromFile.json).toMatchObject({ provider: 'helm', target: { release: 'shop', revision: 1 } });

    writeFileSync(join(repo, '.shiplog.json'), JSON.stringify({ k8s: 'prod/shop-web' }));
    const overridden = await runCliJson<DeploymentJson>(deployArgs('--helm', 'prod/shop', '--supersede'), { env: t.env, cwd: repo });
    expect(overridden.result.code, overridden.result.stderr).toBe(0);
    expect(overridden.json).toMatchObject({ provider: 'helm', target: { release: 'shop' } });
  });

  it.each([
    ['Prod/shop', 'an upper-case namespace'],
    ['prod/shop_db', 'an underscore'],
    ['prod', 'no release'],
    ['prod/shop/extra', 'a third part'],
  ])('--helm %s (%s) is exit 2 before anything is recorded', async (ref) => {
    const result = await runCli(deployArgs('--helm', ref), { env: t.env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('is not NAMESPACE/RELEASE');
    expect(t.cluster.api.requests).toHaveLength(0);
  });

  it('a release with no record there is exit 5, naming it, with nothing recorded', async () => {
    const result = await runCli(deployArgs('--helm', 'prod/nothing'), { env: t.env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('no Helm release prod/nothing');
    expect((await runCli(['--db', t.store.spec, 'history'], { env: t.env })).stdout).not.toContain('shop');
  });

  it('a latest revision whose record does not decode is exit 5, naming the object, never the token', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    t.cluster.api.core.putRaw('secret', 'prod', 'sh.helm.release.v1.shop.v2', { owner: 'helm', name: 'shop', version: '2', status: 'deployed' }, Buffer.from('not gzip, not json').toString('base64'));
    const result = await runCli(deployArgs('--helm', 'prod/shop'), { env: t.env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('Secret prod/sh.helm.release.v1.shop.v2');
    expect(result.stderr).not.toContain(t.cluster.api.token);
  });
});
