import { UsageError } from '../../errors.js';
import { daemonSetVerdict, type DaemonSetSnapshot } from './daemonset-status.js';
import { rolloutVerdict, type DeploymentSnapshot, type RolloutVerdict } from './rollout-status.js';
import { onlyRollingUpdate, statefulSetVerdict, type StatefulSetSnapshot } from './statefulset-status.js';

/** The workloads `kubectl rollout status` follows, and so shiplog. */
export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

export const workloadKinds: readonly WorkloadKind[] = ['deployment', 'statefulset', 'daemonset'];

/** How each kind is written: its Kubernetes name, the resource of its apps/v1 path, and kubectl's short name. */
const spelling: Record<WorkloadKind, { title: string; resource: string; short: string }> = {
  deployment: { title: 'Deployment', resource: 'deployments', short: 'deploy' },
  statefulset: { title: 'StatefulSet', resource: 'statefulsets', short: 'sts' },
  daemonset: { title: 'DaemonSet', resource: 'daemonsets', short: 'ds' },
};

/** A workload's Kubernetes name: `StatefulSet`. */
export function kindTitle(kind: WorkloadKind): string {
  return spelling[kind].title;
}

/** The resource a kind's objects are under in apps/v1: `statefulsets`. */
export function kindResource(kind: WorkloadKind): string {
  return spelling[kind].resource;
}

/**
 * What every kind's verdict reads, the three snapshots in one: the client's `V1Deployment`, `V1StatefulSet` and
 * `V1DaemonSet` fit it, and so does the plain JSON of a watch event.
 */
export type WorkloadSnapshot = DeploymentSnapshot & StatefulSetSnapshot & DaemonSetSnapshot;

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A kind as kubectl accepts it on its command line: singular, plural or short name, in any case
 * (`sts`, `StatefulSets`); undefined for anything else.
 */
export function parseKind(value: string): WorkloadKind | undefined {
  const word = value.toLowerCase();
  return workloadKinds.find((kind) => word === kind || word === spelling[kind].resource || word === spelling[kind].short);
}

/**
 * Parses `--k8s NAMESPACE/NAME` (a Deployment) or `NAMESPACE/KIND/NAME`, checking the names the way the API
 * server would. `option` names the option in the error line.
 */
export function parseWorkloadRef(value: string, option = '--k8s'): WorkloadRef {
  const parts = value.split('/');
  const bad = (why: string) =>
    new UsageError(`${option}: '${value}' ${why}; write NAMESPACE/NAME for a Deployment or NAMESPACE/KIND/NAME, KIND one of deployment, statefulset, daemonset (or deploy, sts, ds), e.g. prod/sts/db`, 'bad_value');
  if (parts.length < 2 || parts.length > 3) throw bad('is not NAMESPACE/NAME or NAMESPACE/KIND/NAME');
  const namespace = parts[0]!;
  const name = parts.at(-1)!;
  const kind = parts.length === 3 ? parseKind(parts[1]!) : 'deployment';
  if (kind === undefined) throw bad(`names the kind '${parts[1]}', which kubectl rollout status does not follow`);
  if (!dnsLabel.test(namespace) || namespace.length > 63) throw bad(`has the namespace '${namespace}', which is not a lower-case DNS label`);
  if (!dnsSubdomain.test(name) || name.length > 253) throw bad(`has the name '${name}', which is not a lower-case DNS name`);
  return { kind, namespace, name };
}

/** The workload as the user would name it to kubectl: `statefulset prod/db`. */
export function describeWorkload(ref: WorkloadRef): string {
  return `${kindTitle(ref.kind)} ${ref.namespace}/${ref.name}`;
}

/**
 * How a workload's rollout stands, by `kubectl rollout status`'s rules for its kind (see each kind's verdict).
 * `deleted`: the object went away while its rollout was followed, which kubectl reports as an error ("object
 * has been deleted") and shiplog as `failed`. `waitFor` is the generation shiplog's own change produced: an
 * older state of the object is not yet the rollout being waited for.
 */
export function workloadVerdict(kind: WorkloadKind, observed: WorkloadSnapshot | 'deleted', waitFor?: number): RolloutVerdict {
  if (observed === 'deleted') return { state: 'failed', message: `the ${kindTitle(kind)} was deleted while its rollout was followed` };
  switch (kind) {
    case 'deployment':
      return rolloutVerdict(observed, waitFor);
    case 'statefulset':
      return statefulSetVerdict(observed, waitFor);
    case 'daemonset':
      return daemonSetVerdict(observed, waitFor);
  }
}

/**
 * Why shiplog will not follow this workload at all, in kubectl's words; undefined when it will. A StatefulSet
 * or DaemonSet with the `OnDelete` strategy replaces a pod only when someone deletes it, so its rollout has no
 * end to wait for.
 */
export function unfollowableReason(kind: WorkloadKind, observed: WorkloadSnapshot): string | undefined {
  if (kind === 'deployment') return undefined;
  const type = observed.spec?.updateStrategy?.type;
  return type === 'RollingUpdate' ? undefined : `${onlyRollingUpdate} (its updateStrategy is ${type ?? 'not set'})`;
}

/** Keeps only what a verdict reads, so a thousand followed workloads stay small in memory. */
export function toWorkloadSnapshot(object: WorkloadSnapshot): WorkloadSnapshot {
  const { metadata, spec, status } = object;
  const strategy = spec?.updateStrategy;
  return {
    metadata: { name: metadata?.name, generation: metadata?.generation },
    spec: {
      replicas: spec?.replicas,
      paused: spec?.paused,
      updateStrategy: strategy && { type: strategy.type, rollingUpdate: strategy.rollingUpdate && { partition: strategy.rollingUpdate.partition } },
    },
    status: status && {
      observedGeneration: status.observedGeneration,
      replicas: status.replicas,
      updatedReplicas: status.updatedReplicas,
      availableReplicas: status.availableReplicas,
      readyReplicas: status.readyReplicas,
      currentReplicas: status.currentReplicas,
      currentRevision: status.currentRevision,
      updateRevision: status.updateRevision,
      desiredNumberScheduled: status.desiredNumberScheduled,
      updatedNumberScheduled: status.updatedNumberScheduled,
      numberAvailable: status.numberAvailable,
      conditions: status.conditions?.map(({ type, status: value, reason, message }) => ({ type, status: value, reason, message })),
    },
  };
}
