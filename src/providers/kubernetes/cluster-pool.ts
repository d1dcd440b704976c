import { KubeCluster } from './cluster.js';
import { loadKubeAccess } from './kubeconfig.js';

/**
 * The clusters a follower talks to, one per kubeconfig context, each loaded on first use. Deployments recorded
 * through different contexts are followed through the context each was recorded with.
 */
export class ClusterPool {
  private readonly clusters = new Map<string, KubeCluster>();

  /** `kubeconfig`: `--kubeconfig`, else the usual places; `known`: a cluster already loaded (deploy's). */
  constructor(
    private readonly kubeconfig: string | undefined,
    known?: KubeCluster,
  ) {
    if (known) this.clusters.set(known.where.context, known);
  }

  /** The cluster of a context; the kubeconfig's current one when the record names none. Throws exit 5 when it cannot be loaded. */
  get(context: string | undefined): KubeCluster {
    const key = context ?? '';
    let cluster = this.clusters.get(key);
    if (!cluster) {
      cluster = new KubeCluster(loadKubeAccess({ kubeconfig: this.kubeconfig, context }));
      this.clusters.set(key, cluster);
    }
    return cluster;
  }

  close(): void {
    for (const cluster of this.clusters.values()) cluster.close();
  }
}
