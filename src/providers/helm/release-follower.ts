import type { Status } from '../../deployment/lifecycle.js';
import type { ShiplogError } from '../../errors.js';
import type { ProgressDisplay } from '../../terminal/progress.js';
import type { Tracker } from '../../tracking/tracker.js';
import { SettlingFollower } from '../settlements.js';
import { isCredentialFailure, isTransientFailure } from '../kubernetes/api-failure.js';
import type { ClusterPool } from '../kubernetes/cluster-pool.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import type { RolloutRecord } from '../kubernetes/rollout-follower.js';
import type { WorkloadRef } from '../kubernetes/workload.js';
import { HelmRecords } from './release-api.js';
import { lockAdvice, readRevisionOutcome } from './revision-outcome.js';
import { readHelmTarget, type HelmTarget } from './target.js';

interface FollowedRelease {
  id: number;
  label: string;
  since: number;
  target: HelmTarget & { revision: number };
  cluster: KubeCluster;
  records: HelmRecords;
  /** Read from the revision's manifest once Helm has deployed it. */
  workloads: WorkloadRef[] | undefined;
  /** The latest verdict's words, for the timeout's explanation. */
  message: string;
  /** The revision's status, while Helm holds it pending. */
  pendingStatus: string | undefined;
}

interface ReleaseOutcome {
  to: Status;
  detail: string;
  error?: string;
  target?: Record<string, unknown>;
}

/**
 * Follows Helm-backed deployments to their outcomes by reading, every `pollMs`, the record of the revision each one
 * produced and, once Helm has deployed it, the workloads of its manifest: `deployed` and every workload rolled out
 * → success; `failed` → failed with Helm's description. Each outcome is one compare-and-set through the tracker.
 * Release records change a few times in a deploy's life, so a read every few seconds costs the API server less than
 * a watch per namespace would keep open. Used by `track` and by `deploy --helm --wait` alike.
 */
export class ReleaseFollower extends SettlingFollower<FollowedRelease> {
  private readonly records = new WeakMap<KubeCluster, HelmRecords>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private stopped = false;

  constructor(
    private readonly tracker: Tracker,
    private readonly clusters: ClusterPool,
    private readonly board: ProgressDisplay,
    private readonly pollMs: number,
  ) {
    super(tracker, board);
  }


  /** Throws when this process cannot follow the deployment: its target unreadable (exit 2), or its context not here (exit 5). */
  check(record: Pick<RolloutRecord, 'key' | 'target'>): void {
    this.clusters.get(readHelmTarget(record.key, record.target));
  }

  /** Starts following a deployment this process's tracker holds; its revision is read at once, then every `pollMs`. */
  add(record: RolloutRecord): void {
    if (this.followed.has(record.id)) return;
    const target = readHelmTarget(record.key, record.target);
    const cluster = this.clusters.get(target);
    let records = this.records.get(cluster);
    if (!records) {
      records = new HelmRecords(cluster);
      this.records.set(cluster, records);
    }
    this.followed.set(record.id, {
      id: record.id,
      label: `${record.key} ${record.app} -> ${record.env} (helm ${target.namespace}/${target.release} revision ${target.revision})`,
      since: record.startedAt ? Date.parse(record.startedAt) : Date.now(),
      target,
      cluster,
      records,
      workloads: undefined,
      message: 'not read yet',
      pendingStatus: undefined,
    });
    this.schedule(0);
  }

  /** Resolves once nothing is left to follow and every outcome is committed; rejects on a fatal failure. */
  idle(): Promise<void> {
    return this.settlements.idle();
  }

  /** The time limit has passed: each followed deployment still `running` becomes `timeout`, naming Helm's lock if it holds one. */
  async expire(limit: string): Promise<void> {
    for (const followed of [...this.followed.values()]) {
      if (this.tracker.get(followed.id)?.status === 'running') {
        const lock = followed.pendingStatus === undefined ? '' : `; ${await lockAdvice(followed.records, followed.target, followed.pendingStatus)}`;
        const explanation = `no outcome within ${limit}; last seen: ${followed.message}${lock}`;
        this.settlements.settle(followed, { to: 'timeout', detail: explanation, error: explanation });
      }
      this.followed.delete(followed.id);
    }
    await this.settlements.drain();
  }

  /** Stops following the deployments whose lease this process has lost to another follower. */
  dropUnheld(): void {
    for (const followed of [...this.followed.values()]) {
      if (this.tracker.get(followed.id)) continue;
      this.followed.delete(followed.id);
      this.settlements.takenOver(followed);
    }
    this.settlements.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.clusters.close();
    await this.settlements.drain();
  }

  private schedule(ms: number): void {
    if (this.stopped || this.reading) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.readAll(), ms);
  }

  /** One round: every followed deployment's revision (and workloads) read once, in turn. */
  private async readAll(): Promise<void> {
    this.reading = true;
    try {
      for (const followed of [...this.followed.values()]) {
        if (this.stopped) return;
        if (this.followed.has(followed.id)) await this.readOne(followed);
      }
    } finally {
      this.reading = false;
    }
    if (this.followed.size > 0) this.schedule(this.pollMs);
  }

  private async readOne(followed: FollowedRelease): Promise<void> {
    try {
      const outcome = await readRevisionOutcome(followed.records, followed.cluster, followed.target, followed.workloads);
      followed.workloads = outcome.workloads;
      followed.pendingStatus = outcome.pendingStatus;
      if (outcome.state === 'waiting') return this.waiting(followed, outcome.message);
      const error = outcome.state === 'failed' ? outcome.message.replace(/^Helm: /, '') : undefined;
      this.finish(followed, { to: outcome.state, detail: outcome.message, error, target: outcome.helm });
    } catch (error) {
      if (isTransientFailure(error) && !isCredentialFailure(error)) {
        this.board.aside(followed.id, `${(error as Error).message}; reading again in ${this.pollMs}ms`);
        return;
      }
      this.settlements.fail(error as ShiplogError);
    }
  }

  private waiting(followed: FollowedRelease, message: string): void {
    followed.message = message;
    this.board.update(followed.id, followed.label, message, followed.since);
  }

  private finish(followed: FollowedRelease, outcome: ReleaseOutcome): void {
    this.settlements.settle(followed, outcome);
    this.followed.delete(followed.id);
    this.settlements.wake();
  }
}
