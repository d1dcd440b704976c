import { describe, expect, it } from 'vitest';
import { pendingLockAdvice } from '../src/providers/helm/pending-lock.js';
import type { HelmRevision } from '../src/providers/helm/release-record.js';
import { importedStatus, revisionVerdict } from '../src/providers/helm/release-status.js';

function revision(status: string, description = ''): HelmRevision {
  return {
    release: 'shop',
    namespace: 'prod',
    revision: 4,
    status,
    description,
    chart: 'shop',
    chartVersion: '1.0.0',
    appVersion: '1.0.0',
    firstDeployed: undefined,
    lastDeployed: undefined,
    deleted: undefined,
    rollbackTo: undefined,
    manifest: '',
  };
}

describe('what a Helm revision status means', () => {
  it.each([
    ['deployed', 'Upgrade complete', 'deployed', 'revision 4 deployed (Upgrade complete)'],
    ['superseded', 'Upgrade complete', 'success', 'revision 4 superseded (Upgrade complete): it was deployed, and a later revision has replaced it since'],
    ['failed', 'Upgrade "shop" failed: context deadline exceeded', 'failed', 'Upgrade "shop" failed: context deadline exceeded'],
    ['pending-install', 'Initial install underway', 'waiting', 'revision 4 pending-install (Initial install underway)'],
    ['pending-upgrade', 'Preparing upgrade', 'waiting', 'revision 4 pending-upgrade (Preparing upgrade)'],
    ['pending-rollback', 'Rollback to 2', 'waiting', 'revision 4 pending-rollback (Rollback to 2)'],
    ['uninstalling', 'Deletion in progress (or silently failed)', 'failed', 'revision 4 uninstalling (Deletion in progress (or silently failed)): the release was uninstalled'],
    ['uninstalled', 'Uninstallation complete', 'failed', 'revision 4 uninstalled (Uninstallation complete): the release was uninstalled'],
    ['unknown', '', 'waiting', 'revision 4 unknown'],
  ])('%s (%s) is %s', (status, description, state, message) => {
    expect(revisionVerdict(revision(status, description), 4)).toMatchObject({ state, message });
  });

  it('only pending-* holds the lock', () => {
    expect(['pending-install', 'pending-upgrade', 'pending-rollback', 'unknown'].map((s) => (revisionVerdict(revision(s), 4) as { pending?: boolean }).pending)).toEqual([true, true, true, false]);
  });

  it('a failed revision without a description still says which one failed', () => {
    expect(revisionVerdict(revision('failed'), 4).message).toBe('revision 4 failed');
  });

  it('a record that is gone has failed', () => {
    expect(revisionVerdict('deleted', 7)).toEqual({ state: 'failed', message: "Helm's record of revision 7 is gone (deleted, or pruned by --history-max)" });
  });

  it.each([
    ['deployed', 'success'],
    ['superseded', 'success'],
    ['uninstalled', 'success'],
    ['failed', 'failed'],
    ['pending-install', 'stale'],
    ['pending-upgrade', 'stale'],
    ['pending-rollback', 'stale'],
    ['uninstalling', 'stale'],
    ['unknown', undefined],
    ['Deployed', undefined],
  ])('imported, %s is %s', (status, expected) => {
    expect(importedStatus(status)).toBe(expected);
  });

  it("the lock's advice names the revision to roll back to and the object to delete, by driver", () => {
    const pending = { namespace: 'prod', release: 'shop', revision: 5, status: 'pending-upgrade', driver: 'configmap' as const, lastGood: 3 };
    expect(pendingLockAdvice(pending)).toBe(
      "Helm's lock: revision 5 of prod/shop is pending-upgrade, and Helm refuses any other operation on the release until it is settled; once no helm process works on it, release it with 'helm rollback shop 3 --namespace prod', or by deleting ConfigMap sh.helm.release.v1.shop.v5",
    );
    expect(pendingLockAdvice({ ...pending, driver: 'secret', lastGood: undefined })).toContain("'kubectl delete secret sh.helm.release.v1.shop.v5 --namespace prod'");
  });
});
