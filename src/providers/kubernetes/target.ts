import { UsageError } from '../../errors.js';
import { parseKind, type WorkloadKind } from './workload.js';

/**
 * What a Kubernetes deployment record keeps in `target`: which workload (`kind` absent on records made before
 * StatefulSets and DaemonSets were followed: a Deployment), where it is, what it ran before (for a
 * rollback), and the generation whose rollout is followed. Never a token: `server` is a URL without credentials.
 * A type rather than an interface, so it passes where a plain `target` record is expected.
 */
export type KubernetesTarget = {
  kind: WorkloadKind;
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
  const kind = parseKind(text('kind') ?? 'deployment');
  if (!kind) throw new UsageError(`${key} records the Kubernetes kind '${text('kind')}', which shiplog does not follow`, 'not_trackable');
  const generation = target?.generation;
  return {
    kind,
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
