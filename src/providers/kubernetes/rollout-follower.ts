import type { Status } from '../../deployment/lifecycle.js';
import type { ShiplogError } from '../../errors.js';
import type { ProgressDisplay } from '../../terminal/progress.js';
import { formatDuration } from '../../timing/duration.js';
import type { Tracker } from '../../tracking/tracker.js';
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
export class RolloutFollower {
  /** The status each settled deployment is in after this process's change (another writer's, if it came first). */
  readonly outcomes = new Map<number, Status>();
  /** Rejects with the first failure retrying cannot mend (401/403, a failed exec plugin, a store that fails); never resolves. */
  readonly failed: Promise<never>;
  private readonly watches = new Map<string, NamespaceWatch>();
  private readonly rollouts = new Map<number, Rollout>();
  /** Rollout ids by `watchKey + name`, so an event reaches only the rollouts of its workload. */
  private readonly byDeployment = new Map<string, Set<number>>();
  private readonly settling = new Set<Promise<void>>();
  /** One shared wait for idle(), however often a loop asks, settled when the follower goes idle or fails. */
  private idleWait: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;
  private fatal: unknown;
  private fail: (error: unknown) => void = () => undefined;

  constructor(
    private readonly tracker: Tracker,
    private readonly clusters: ClusterPool,
    private readonly board: ProgressDisplay,
    private readonly tuning: WatchTuning,
    private readonly log: (line: string) => void,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.fail = (error) => {
        this.fatal ??= error;
        reject(error);
        this.wakeIdle();
      };
    });
    this.failed.catch(() => undefined);
  }

  /** Whether a rollout is followed or an outcome is being committed: idle() will resolve later, not now. */
  get busy(): boolean {
    return this.rollouts.size > 0 || this.settling.size > 0;
  }

  has(id: number): boolean {
    return this.rollouts.has(id);
  }

  /**
   * Starts following a deployment this process's tracker holds: joins (or opens) the watch of its namespace and
   * judges the state already known, or the state its first list finds. Throws exit 5 when its kubeconfig context
   * cannot be loaded; a failure of the API server that retrying cannot mend comes through `failed` and idle().
   */
  add(record: RolloutRecord): void {
    if (this.rollouts.has(record.id)) return;
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
    this.rollouts.set(rollout.id, rollout);
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
    if (this.fatal !== undefined) return Promise.reject(this.fatal);
    if (!this.busy) return Promise.resolve();
    if (!this.idleWait) {
      let resolve: () => void = () => undefined;
      let reject: (error: unknown) => void = () => undefined;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      this.idleWait = { promise, resolve, reject };
    }
    return this.idleWait.promise;
  }

  /**
   * The time limit has passed: every rollout still followed and `running` becomes `timeout`, each in its own
   * compare-and-set transaction. Others (pending, already timeout or stale) are left as they are.
   */
  async expire(limit: string): Promise<void> {
    for (const rollout of [...this.rollouts.values()]) {
      if (this.tracker.get(rollout.id)?.status === 'running') {
        const explanation = `no outcome within ${limit}; last seen: ${rollout.message}`;
        this.settleInBackground(rollout, { to: 'timeout', detail: explanation, error: explanation });
      }
      this.remove(rollout);
    }
    await Promise.all(this.settling);
  }

  /** Stops following the deployments whose lease this process has lost to another follower. */
  dropUnheld(): void {
    for (const rollout of [...this.rollouts.values()]) {
      if (this.tracker.get(rollout.id)) continue;
      this.remove(rollout);
      this.log(`${rollout.label} is now followed by another process`);
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
    await Promise.all(this.settling);
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
        for (const id of this.byDeployment.get(watchKey + name) ?? []) this.judge(this.rollouts.get(id)!, observed);
      },
      listed: () => {
        const watch = this.watches.get(watchKey);
        if (!watch) return;
        for (const rollout of [...this.rollouts.values()]) if (rollout.watchKey === watchKey) this.judge(rollout, watch.current(rollout.name));
      },
      failed: (error: ShiplogError) => this.fail(error),
    };
  }

  private judge(rollout: Rollout, observed: WorkloadSnapshot | 'deleted'): void {
    if (!this.rollouts.has(rollout.id)) return;
    const verdict = workloadVerdict(rollout.kind, observed, rollout.waitFor);
    rollout.message = verdict.message;
    if (verdict.state === 'waiting') {
      this.board.update(rollout.id, rollout.label, verdict.message, rollout.since);
      return;
    }
    this.settleInBackground(rollout, finalOutcome(verdict));
    this.remove(rollout);
  }

  private settleInBackground(rollout: Rollout, outcome: RolloutOutcome): void {
    const settled = this.settle(rollout, outcome).catch((error: unknown) => this.fail(error));
    this.settling.add(settled);
    void settled.finally(() => {
      this.settling.delete(settled);
      this.wakeIdle();
    });
  }

  private async settle(rollout: Rollout, outcome: RolloutOutcome): Promise<void> {
    if (!this.tracker.get(rollout.id)) {
      this.log(`${rollout.label} is now followed by another process; its outcome is left to it`);
      return;
    }
    const status = await this.tracker.settle(rollout.id, outcome);
    this.outcomes.set(rollout.id, status);
    const words = status === outcome.to ? outcome.detail : `already ${status} (another writer came first)`;
    this.board.finish(rollout.id, rollout.label, `${status}: ${words} (${formatDuration(Date.now() - rollout.since)})`);
  }

  /** Called after a settle is registered, so idle() never resolves between the verdict and its commit. */
  private remove(rollout: Rollout): void {
    this.rollouts.delete(rollout.id);
    this.byDeployment.get(rollout.watchKey + rollout.name)?.delete(rollout.id);
    this.wakeIdle();
  }

  private wakeIdle(): void {
    if (!this.idleWait || (this.fatal === undefined && this.busy)) return;
    if (this.fatal === undefined) this.idleWait.resolve();
    else this.idleWait.reject(this.fatal);
    this.idleWait = undefined;
  }
}

function finalOutcome(verdict: RolloutVerdict): RolloutOutcome {
  return verdict.state === 'complete' ? { to: 'success', detail: verdict.message } : { to: 'failed', detail: verdict.message, error: verdict.message };
}
