import { expect, it } from 'vitest';
import { helmSuite, shopRevision } from '../fixtures/helm-suite.js';
import type { DoctorReport } from '../src/commands/doctor.js';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { describeEachStore } from './support/stores.js';

describeEachStore("Helm's pending lock on %s", (kind) => {
  const t = helmSuite(kind);
  const db = () => ['--db', t.store.spec];
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

  it('doctor lists each release whose latest revision is pending, for how long, and how to release it', async () => {
    const { core } = t.cluster.api;
    core.putRelease(shopRevision(1, 'deployed', { lastDeployed: hoursAgo(30) }));
    core.putRelease(shopRevision(2, 'pending-upgrade', { lastDeployed: hoursAgo(3), description: 'Preparing upgrade' }));
    core.putRelease({ namespace: 'staging', release: 'api', revision: 4, status: 'pending-install', helm: 4, lastDeployed: hoursAgo(0.5) }, 'configmap');
    core.putRelease({ namespace: 'staging', release: 'queue', revision: 7, status: 'deployed' });
    const { result, json } = await runCliJson<DoctorReport>([...db(), 'doctor'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    const helm = json.checks.filter((check) => check.check.startsWith('helm'));
    expect(helm).toEqual([
      {
        check: 'helm release prod/shop',
        status: 'warn',
        message: expect.stringMatching(/^revision 2 pending-upgrade for 3h 00m \(since .+\); Helm's lock: .* release it with 'helm rollback shop 1 --namespace prod', or by deleting Secret sh\.helm\.release\.v1\.shop\.v2$/),
      },
      { check: 'helm release staging/api', status: 'warn', message: expect.stringContaining("'kubectl delete configmap sh.helm.release.v1.api.v4 --namespace staging'") },
    ]);
  });

  it('doctor says no release is held pending when none is', async () => {
    t.cluster.api.core.putRelease(shopRevision(1, 'deployed'));
    const { json } = await runCliJson<DoctorReport>([...db(), 'doctor'], { env: t.env });
    expect(json.checks.filter((check) => check.check.startsWith('helm'))).toEqual([{ check: 'helm releases', status: 'ok', message: 'none of 1 release is held pending' }]);
  });

  it("cleanup --stale --reconcile settles a record whose revision a dead helm left pending, says how to release the lock, and leaves Helm's records as they are", async () => {
    const { core } = t.cluster.api;
    core.putRelease(shopRevision(1, 'deployed', { lastDeployed: hoursAgo(30) }));
    core.putRelease(shopRevision(2, 'pending-upgrade', { lastDeployed: hoursAgo(3), description: 'Preparing upgrade' }));
    const stuck = await runCli([...db(), 'deploy', '--app', 'shop', '--env', 'prod', '--helm', 'prod/shop'], { env: t.env });
    expect(stuck.code, stuck.stderr).toBe(0);
    core.putRelease({ ...shopRevision(1, 'deployed'), release: 'blog' });
    const settled = await runCli([...db(), 'deploy', '--app', 'blog', '--env', 'prod', '--helm', 'prod/blog'], { env: t.env });
    const helmRecords = core.bodies('secret', 'prod');

    const { result, json } = await runCliJson<CleanupReport>([...db(), 'cleanup', '--stale', '0s', '--reconcile', '--apply'], { env: t.env });

    expect(result.code, result.stderr).toBe(0);
    const changes = new Map(json.stale!.records.map((change) => [change.key, change]));
    expect(changes.get(stuck.stdout.trim())).toMatchObject({
      from: 'running',
      to: 'failed',
      source: 'reconcile',
      reason: expect.stringContaining("revision 2 pending-upgrade (Preparing upgrade), with no helm process following it; Helm's lock: revision 2 of prod/shop is pending-upgrade"),
    });
    expect(changes.get(stuck.stdout.trim())!.reason).toContain("'helm rollback shop 1 --namespace prod'");
    expect(changes.get(settled.stdout.trim())).toMatchObject({ from: 'running', to: 'success', reason: expect.stringMatching(/rolled out: .*Deployment prod\/shop-web/) });
    expect(core.bodies('secret', 'prod')).toEqual(helmRecords);
    expect(t.cluster.api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    const shown = (await runCliJson<DeploymentJson>([...db(), 'show', stuck.stdout.trim()], { env: t.env })).json;
    expect(shown.status).toBe('failed');
  });
});
