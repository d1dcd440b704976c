import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRelease, manifestOf, releaseJson, releaseObject, type ReleaseSpec } from '../fixtures/helm-release.js';
import { manifestWorkloads } from '../src/providers/helm/manifest-workloads.js';
import { decodeRevision } from '../src/providers/helm/release-record.js';

const spec: ReleaseSpec = {
  namespace: 'prod',
  release: 'shop',
  revision: 3,
  status: 'deployed',
  chart: 'shop',
  chartVersion: '1.4.2',
  appVersion: '2.0.0',
  lastDeployed: '2026-11-30T09:00:00Z',
  firstDeployed: '2026-10-01T08:00:00Z',
};

/** `data.release` of the object the API serves, before shiplog decodes it. */
function served(release: ReleaseSpec, driver: 'secret' | 'configmap'): string {
  return (releaseObject(release, driver, 'uid-1', '1') as { data: { release: string } }).data.release;
}

describe("Helm's release records", () => {
  for (const helm of [3, 4] as const) {
    for (const driver of ['secret', 'configmap'] as const) {
      it(`a Helm ${helm} record in a ${driver} decodes to its revision, chart, versions, status and times`, () => {
        const revision = decodeRevision(served({ ...spec, helm }, driver), driver);
        expect(revision).toMatchObject({
          release: 'shop',
          namespace: 'prod',
          revision: 3,
          status: 'deployed',
          description: 'Upgrade complete',
          chart: 'shop',
          chartVersion: '1.4.2',
          appVersion: '2.0.0',
          firstDeployed: '2026-10-01T08:00:00.000Z',
          lastDeployed: '2026-11-30T09:00:00.000Z',
          deleted: undefined,
          rollbackTo: undefined,
        });
      });
    }
  }

  it("Helm 3's zero time for a time never set is no time, as Helm 4's omitted one is", () => {
    expect(releaseJson({ ...spec, helm: 3 }).info).toMatchObject({ deleted: '0001-01-01T00:00:00Z' });
    expect(releaseJson({ ...spec, helm: 4 }).info).not.toHaveProperty('deleted');
    expect(decodeRevision(served({ ...spec, helm: 3 }, 'configmap'), 'configmap').deleted).toBeUndefined();
  });

  it('a rollback names the revision it went back to, from Helm 4\'s rollback_revision or from "Rollback to N"', () => {
    expect(decodeRevision(served({ ...spec, helm: 4, rollbackTo: 1, description: 'custom words' }, 'secret'), 'secret').rollbackTo).toBe(1);
    expect(decodeRevision(served({ ...spec, helm: 3, rollbackTo: 2 }, 'secret'), 'secret').rollbackTo).toBe(2);
  });

  it('a record stored before Helm compressed them (plain JSON under base64) is read too', () => {
    const plain = Buffer.from(JSON.stringify(releaseJson(spec))).toString('base64');
    expect(decodeRevision(plain, 'configmap').revision).toBe(3);
  });

  it('a Secret decoded once only (the API\'s base64 left on) is not taken for a release', () => {
    expect(() => decodeRevision(encodeRelease(spec), 'secret')).toThrow(/not/);
  });

  it.each([
    ['not base64', 'this is *not* base64!', /the release is not base64/],
    ['gzip cut short', gzipSync(JSON.stringify(releaseJson(spec))).subarray(0, 20).toString('base64'), /not valid gzip/],
    ['not JSON', gzipSync('{"name": "shop", ').toString('base64'), /not JSON/],
    ['JSON without a revision', gzipSync('{"name": "shop"}').toString('base64'), /no name and revision/],
  ])('a record that is %s says which step failed', (_what, data, message) => {
    expect(() => decodeRevision(data, 'configmap')).toThrow(message);
  });

  it("the manifest's Deployments, StatefulSets and DaemonSets are what a release waits for, in the namespace each names", () => {
    const manifest = manifestOf('shop', [
      { kind: 'StatefulSet', name: 'shop-db' },
      { kind: 'Deployment', name: 'shop-web' },
      { kind: 'DaemonSet', name: 'shop-agent', namespace: 'infra' },
    ]);
    expect(manifestWorkloads(manifest, 'prod')).toEqual([
      { kind: 'statefulset', namespace: 'prod', name: 'shop-db' },
      { kind: 'deployment', namespace: 'prod', name: 'shop-web' },
      { kind: 'daemonset', namespace: 'infra', name: 'shop-agent' },
    ]);
  });
});
