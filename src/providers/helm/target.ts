import { UsageError } from '../../errors.js';
import type { HelmDriver } from './release-record.js';

/**
 * What a Helm-backed record keeps in `target`: where the release is (namespace, release, and the kubeconfig
 * context and API server), the revision this deployment produced and what Helm recorded of it. Never a credential.
 */
export type HelmTarget = {
  namespace: string;
  release: string;
  revision?: number;
  /** The revision that was the latest before this deployment's command ran, if any. */
  previousRevision?: number;
  chart?: string;
  chartVersion?: string;
  appVersion?: string;
  helmStatus?: string;
  description?: string;
  driver?: HelmDriver;
  context?: string;
  server?: string;
};

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Helm's own limit on a release name, so that the names it derives from it stay within Kubernetes' limits. */
const releaseNameMax = 53;

/** Parses `NAMESPACE/RELEASE` (`--helm`, `import --from helm`), both DNS labels; with `releaseOptional`, `NAMESPACE` alone too. */
export function parseReleaseRef(value: string, option: string, releaseOptional = false): { namespace: string; release: string | undefined } {
  const [namespace = '', release, ...rest] = value.split('/');
  const releaseOk = release === undefined ? releaseOptional : dnsLabel.test(release) && release.length <= releaseNameMax;
  if (rest.length > 0 || !dnsLabel.test(namespace) || namespace.length > 63 || !releaseOk) {
    const shape = releaseOptional ? 'NAMESPACE or NAMESPACE/RELEASE' : 'NAMESPACE/RELEASE';
    throw new UsageError(`${option}: '${value}' is not ${shape} (lower-case DNS labels, a release at most ${releaseNameMax} characters, e.g. prod/web)`, 'bad_value');
  }
  return { namespace, release };
}

/** Reads the target of a stored Helm record; one without namespace, release and revision cannot be followed. */
export function readHelmTarget(key: string, target: Record<string, unknown> | null): HelmTarget & { revision: number } {
  const text = (field: string) => (typeof target?.[field] === 'string' ? (target[field] as string) : undefined);
  const number = (field: string) => (typeof target?.[field] === 'number' ? (target[field] as number) : undefined);
  const namespace = text('namespace');
  const release = text('release');
  const revision = number('revision');
  if (!namespace || !release || revision === undefined) throw new UsageError(`${key} has no Helm namespace, release and revision on record; it cannot be followed`, 'not_trackable');
  const driver = text('driver');
  return {
    namespace,
    release,
    revision,
    previousRevision: number('previousRevision'),
    chart: text('chart'),
    chartVersion: text('chartVersion'),
    appVersion: text('appVersion'),
    helmStatus: text('helmStatus'),
    description: text('description'),
    driver: driver === 'configmap' ? 'configmap' : driver === 'secret' ? 'secret' : undefined,
    context: text('context'),
    server: text('server'),
  };
}
