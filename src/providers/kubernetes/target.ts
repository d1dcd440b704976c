import { UsageError } from '../../errors.js';

/**
 * What a Kubernetes deployment record keeps in `target`: where the Deployment is, what it ran before (for a
 * rollback), and the generation whose rollout is followed. Never a token: `server` is a URL without credentials.
 * A type rather than an interface, so it passes where a plain `target` record is expected.
 */
export type KubernetesTarget = {
  namespace: string;
  name: string;
  container?: string;
  context?: string;
  server?: string;
  previousImage?: string;
  previousRevision?: string;
  generation?: number;
};

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses `--k8s NAMESPACE/DEPLOYMENT`, checking both names the way the API server would. */
export function parseDeploymentRef(value: string): { namespace: string; name: string } {
  const [namespace = '', name = '', ...rest] = value.split('/');
  if (rest.length > 0 || !dnsLabel.test(namespace) || namespace.length > 63 || !dnsSubdomain.test(name) || name.length > 253) {
    throw new UsageError(`--k8s: '${value}' is not NAMESPACE/DEPLOYMENT (lower-case names, e.g. prod/web)`, 'bad_value');
  }
  return { namespace, name };
}

export function checkContainerName(value: string): string {
  if (!dnsLabel.test(value) || value.length > 63) throw new UsageError(`--container: '${value}' is not a container name`, 'bad_value');
  return value;
}

/** Reads the target of a stored Kubernetes record; a record without namespace and name cannot be followed. */
export function readKubernetesTarget(key: string, target: Record<string, unknown> | null): KubernetesTarget {
  const text = (field: string) => (typeof target?.[field] === 'string' ? (target[field] as string) : undefined);
  const namespace = text('namespace');
  const name = text('name');
  if (!namespace || !name) throw new UsageError(`${key} has no Kubernetes namespace and name on record; it cannot be tracked`, 'not_trackable');
  const generation = target?.generation;
  return {
    namespace,
    name,
    container: text('container'),
    context: text('context'),
    server: text('server'),
    previousImage: text('previousImage'),
    previousRevision: text('previousRevision'),
    generation: typeof generation === 'number' ? generation : undefined,
  };
}
