import { UsageError } from '../../errors.js';
import { KubeCluster } from './cluster.js';
import { loadKubeAccess } from './kubeconfig.js';

/** How the user chose to reach clusters: `--kubeconfig`, and `--context` in place of the context each record names. */
export interface KubeChoice {
  kubeconfig?: string;
  context?: string;
}

/**
 * The clusters a follower talks to, one per kubeconfig context, each loaded on first use. Deployments recorded
 * through different contexts are followed through the context each was recorded with, unless `--context` names
 * the one to use: for a machine whose kubeconfig calls the cluster by another name. That context must reach the
 * API server the deployment was recorded on, so a deployment is never judged by another cluster's Deployment of
 * the same name.
 */
export class ClusterPool {
  private readonly clusters = new Map<string, KubeCluster>();

  /** `known`: a cluster already loaded (deploy's). */
  constructor(
    private readonly choice: KubeChoice,
    known?: KubeCluster,
  ) {
    if (known) this.clusters.set(known.where.context, known);
  }

  /**
   * The cluster of a recorded deployment; the kubeconfig's current context when neither `--context` nor the record
   * names one. Throws exit 5 when it cannot be loaded, exit 2 when `--context` reaches another API server.
   */
  get(recorded: { context?: string; server?: string }): KubeCluster {
    const context = this.choice.context ?? recorded.context;
    const key = context ?? '';
    let cluster = this.clusters.get(key);
    if (!cluster) {
      cluster = new KubeCluster(loadKubeAccess({ kubeconfig: this.choice.kubeconfig, context }));
      this.clusters.set(key, cluster);
    }
    const { server } = cluster.where;
    if (this.choice.context !== undefined && recorded.server !== undefined && recorded.server !== server) {
      throw new UsageError(
        `--context '${this.choice.context}' reaches ${server}, but the deployment was recorded on ${recorded.server}; name the context of that API server`,
        'wrong_cluster',
      );
    }
    return cluster;
  }

  close(): void {
    for (const cluster of this.clusters.values()) cluster.close();
  }
}
