import type { Status } from '../../deployment/lifecycle.js';
import type { ShiplogError } from '../../errors.js';
import type { ProgressDisplay } from '../../terminal/progress.js';
import type { Tracker } from '../../tracking/tracker.js';
import { SettlingFollower } from '../settlements.js';
import type { ClusterPool } from './cluster-pool.js';
import type { KubeCluster } from './cluster.js';
import { NamespaceWatch, type NamespaceListener } from './namespace-watch.js';
import type { RolloutVerdict } from './rollout-status.js';
import { readKubernetesTarget } from './target.js';
import type { WatchTuning } from './watch-tuning.js';
import { workloadVerdict, type WorkloadKind, type WorkloadSnapshot } from './workload.js';

/** A deployment record to follow: who it is, and its stored target (kind, namespace, name, generation, context). */
export interface RolloutRecord {
  id: number;
  key: string;
  app: string;
  env: string;
  target: Record<string, unknown> | null;
  /** When the deployment began (ISO-8601), for the elapsed time on progress lines; now when unknown. */
  startedAt?: string | null;
}

/** What a rollout's end is recorded as: the status, the event's detail, the record's error. */
interface RolloutOutcome {
  to: Status;
  detail: string;
  error?: string;
}

interface Rollout {
  id: number;
  /** `key app -> env (namespace/name)`, as progress lines name it (`namespace/kind/name` for a StatefulSet or DaemonSet). */
  label: string;
  since: number;
  kind: WorkloadKind;
  name: string;
  watchKey: string;
  /** The generation shiplog's own change produced; older states of the object are not this rollout yet. */
  waitFor: number | undefined;
  /** The latest verdict's words, for the timeout's explanation. */
  message: string;
}

/**
 * Follows the rollouts of the deployments a Tracker holds, whatever the kind of their workload, through one watch
 * per context, namespace and kind however many deployments share it. Each state a watch reports is judged by
 * `workloadVerdict`; a final verdict becomes
 * one compare-and-set transaction through the tracker. Used by `track` and by `deploy --k8s --wait` alike.
 */
export class RolloutFollower extends SettlingFollower<Rollout> {
  private readonly watches = new Map<string, NamespaceWatch>();
  /** Rollout ids by `watchKey + name`, so an event reaches only the rollouts of its workload. */
  private readonly byDeployment = new Map<string, Set<number>>();

  constructor(
    private readonly tracker: Tracker,
    private readonly clusters: ClusterPool,
    private readonly board: ProgressDisplay,
    private readonly tuning: WatchTuning,
    private readonly log: (line: string) => void,
  ) {
    super(tracker, board);
  }


  /**
   * Starts following a deployment this process's tracker holds: joins (or opens) the watch of its namespace and
   * judges the state already known, or the state its first list finds. Throws exit 5 when its kubeconfig context
   * cannot be loaded; a failure of the API server that retrying cannot mend comes through `failed` and idle().
   */
  add(record: RolloutRecord): void {
    if (this.followed.has(record.id)) return;
    const target = readKubernetesTarget(record.key, record.target);
    const cluster = this.clusters.get(target);
    const watchKey = `${cluster.where.context}\u0000${target.namespace}\u0000${target.kind}`;
    const watch = this.watchFor(watchKey, cluster, target.kind, target.namespace);
    const where = target.kind === 'deployment' ? `${target.namespace}/${target.name}` : `${target.namespace}/${target.kind}/${target.name}`;
    const rollout: Rollout = {
      id: record.id,
      label: `${record.key} ${record.app} -> ${record.env} (${where})`,
      since: record.startedAt ? Date.parse(record.startedAt) : Date.now(),
      kind: target.kind,
      name: target.name,
      watchKey,
      waitFor: target.generation,
      message: 'not observed yet',
    };
    this.followed.set(rollout.id, rollout);
    const ids = this.byDeployment.get(watchKey + target.name) ?? new Set<number>();
    this.byDeployment.set(watchKey + target.name, ids.add(rollout.id));
    if (watch.listed) this.judge(rollout, watch.current(target.name));
  }

  /**
   * Throws, exit 5, when this process cannot follow the deployment: its stored target unreadable, or its kubeconfig
   * context not there. The cluster it loads is the one add() uses.
   */
  check(record: Pick<RolloutRecord, 'key' | 'target'>): void {
    this.clusters.get(readKubernetesTarget(record.key, record.target));
  }

  /** Resolves once nothing is left to follow and every outcome is committed; rejects on a fatal failure. */
  idle(): Promise<void> {
    return this.settlements.idle();
  }

  /**
   * The time limit has passed: every rollout still followed and `running` becomes `timeout`, each in its own
   * compare-and-set transaction. Others (pending, already timeout or stale) are left as they are.
   */
  async expire(limit: string): Promise<void> {
    for (const rollout of [...this.followed.values()]) {
      if (this.tracker.get(rollout.id)?.status === 'running') {
        const explanation = `no outcome within ${limit}; last seen: ${rollout.message}`;
        this.settlements.settle(rollout, { to: 'timeout', detail: explanation, error: explanation });
      }
      this.remove(rollout);
    }
    await this.settlements.drain();
  }

  /** Stops following the deployments whose lease this process has lost to another follower. */
  dropUnheld(): void {
    for (const rollout of [...this.followed.values()]) {
      if (this.tracker.get(rollout.id)) continue;
      this.remove(rollout);
      this.settlements.takenOver(rollout);
    }
  }

  /**
   * Closes every watch, kills an exec credential plugin still running, and waits for outcomes already being
   * committed. What is still followed stays as it is.
   */
  async stop(): Promise<void> {
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
    this.clusters.close();
    await this.settlements.drain();
  }

  private watchFor(key: string, cluster: KubeCluster, kind: WorkloadKind, namespace: string): NamespaceWatch {
    let watch = this.watches.get(key);
    if (!watch) {
      watch = new NamespaceWatch(cluster, kind, namespace, this.tuning, this.listenerFor(key), this.log);
      this.watches.set(key, watch);
      watch.start();
    }
    return watch;
  }

  private listenerFor(watchKey: string): NamespaceListener {
    return {
      changed: (name: string, observed: WorkloadSnapshot | 'deleted') => {
        for (const id of this.byDeployment.get(watchKey + name) ?? []) this.judge(this.followed.get(id)!, observed);
      },
      listed: () => {
        const watch = this.watches.get(watchKey);
        if (!watch) return;
        for (const rollout of [...this.followed.values()]) if (rollout.watchKey === watchKey) this.judge(rollout, watch.current(rollout.name));
      },
      failed: (error: ShiplogError) => this.settlements.fail(error),
    };
  }

  private judge(rollout: Rollout, observed: WorkloadSnapshot | 'deleted'): void {
    if (!this.followed.has(rollout.id)) return;
    const verdict = workloadVerdict(rollout.kind, observed, rollout.waitFor);
    rollout.message = verdict.message;
    if (verdict.state === 'waiting') {
      this.board.update(rollout.id, rollout.label, verdict.message, rollout.since);
      return;
    }
    this.settlements.settle(rollout, finalOutcome(verdict));
    this.remove(rollout);
  }

  /** Called after a settle is registered, so idle() never resolves between the verdict and its commit. */
  private remove(rollout: Rollout): void {
    this.followed.delete(rollout.id);
    this.byDeployment.get(rollout.watchKey + rollout.name)?.delete(rollout.id);
    this.settlements.wake();
  }
}

function finalOutcome(verdict: RolloutVerdict): RolloutOutcome {
  return verdict.state === 'complete' ? { to: 'success', detail: verdict.message } : { to: 'failed', detail: verdict.message, error: verdict.message };
}
