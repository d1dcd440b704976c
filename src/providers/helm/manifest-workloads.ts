import { loadAllYaml } from '@kubernetes/client-node';

/** The kinds whose roll-out `kubectl rollout status` follows: what a release's success waits for. */
export type FollowedKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** One workload a release renders. */
export interface ReleaseWorkload {
  kind: FollowedKind;
  namespace: string;
  name: string;
}

const followedKinds = new Set<string>(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * The Deployments, StatefulSets and DaemonSets in a release's manifest (every rendered document, hooks excluded,
 * as Helm stores it), each in the namespace it names or else the release's. A document that is not YAML is
 * passed over: Helm applied what it rendered, so a manifest that does not parse here is not shiplog's to judge.
 */
export function manifestWorkloads(manifest: string, releaseNamespace: string): ReleaseWorkload[] {
  let documents: unknown[];
  try {
    documents = loadAllYaml(manifest);
  } catch {
    documents = manifest.split(/^---\s*$/m).flatMap((part) => {
      try {
        return loadAllYaml(part);
      } catch {
        return [];
      }
    });
  }
  const workloads: ReleaseWorkload[] = [];
  for (const document of documents) {
    if (typeof document !== 'object' || document === null) continue;
    const { kind, metadata } = document as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (typeof kind !== 'string' || !followedKinds.has(kind) || typeof metadata?.name !== 'string') continue;
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : releaseNamespace;
    workloads.push({ kind: kind as FollowedKind, namespace, name: metadata.name });
  }
  return workloads;
}
