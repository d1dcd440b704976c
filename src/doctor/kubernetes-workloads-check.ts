import type { KubeAccess } from '../providers/kubernetes/kubeconfig.js';
import { ok, warn, type Check } from './check.js';

/**
 * Whether the context's credentials may list each kind of workload `track` follows (Deployments, StatefulSets,
 * DaemonSets) in the context's namespace: `track` lists and watches them, and a kind it may not read is found
 * here rather than halfway through a deploy. A refusal is a warning, not a failure: the credentials may be meant
 * for other namespaces or for one kind only.
 */
export async function checkWorkloadAccess(access: KubeAccess): Promise<Check[]> {
  const [{ KubeCluster }, { kindTitle, workloadKinds }, { httpStatusOf }] = await Promise.all([
    import('../providers/kubernetes/cluster.js'),
    import('../providers/kubernetes/workload.js'),
    import('../providers/kubernetes/api-failure.js'),
  ]);
  const namespace = access.config.getContextObject(access.context)?.namespace ?? 'default';
  const cluster = new KubeCluster(access);
  const refused: string[] = [];
  for (const kind of workloadKinds) {
    try {
      // One workload is enough to learn whether listing is allowed; a namespace may hold thousands.
      await cluster.listWorkloads(kind, namespace, { limit: 1 });
    } catch (error) {
      const status = httpStatusOf(error);
      refused.push(`${kindTitle(kind)}s (${status === undefined ? (error as Error).message : `HTTP ${status}`})`);
    }
  }
  if (refused.length === 0) return [ok('kubernetes workloads', `Deployments, StatefulSets and DaemonSets can be listed in namespace ${namespace}, as track needs`)];
  return [
    warn(
      'kubernetes workloads',
      `cannot list ${refused.join(', ')} in namespace ${namespace}: track cannot follow those there; ask for get, list and watch on them (kubectl auth can-i list statefulsets -n ${namespace})`,
    ),
  ];
}
