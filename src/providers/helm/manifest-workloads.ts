import { loadAllYaml } from '@kubernetes/client-node';
import { kindTitle, workloadKinds, type WorkloadKind, type WorkloadRef } from '../kubernetes/workload.js';

/** The kinds `kubectl rollout status` follows, by the name a manifest gives them (`StatefulSet`). */
const followedKinds = new Map<string, WorkloadKind>(workloadKinds.map((kind) => [kindTitle(kind), kind]));

/**
 * The Deployments, StatefulSets and DaemonSets in a release's manifest (every rendered document, hooks excluded,
 * as Helm stores it), each in the namespace it names or else the release's. A document that is not YAML is
 * passed over: Helm applied what it rendered, so a manifest that does not parse here is not shiplog's to judge.
 */
export function manifestWorkloads(manifest: string, releaseNamespace: string): WorkloadRef[] {
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
  const workloads: WorkloadRef[] = [];
  for (const document of documents) {
    if (typeof document !== 'object' || document === null) continue;
    const { kind, metadata } = document as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const followed = typeof kind === 'string' ? followedKinds.get(kind) : undefined;
    if (followed === undefined || typeof metadata?.name !== 'string') continue;
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : releaseNamespace;
    workloads.push({ kind: followed, namespace, name: metadata.name });
  }
  return workloads;
}
