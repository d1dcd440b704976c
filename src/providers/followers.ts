import type { ProviderName } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import type { ProgressDisplay } from '../terminal/progress.js';
import type { Tracker } from '../tracking/tracker.js';
import { releasePollMs } from './helm/follow-release.js';
import { ReleaseFollower } from './helm/release-follower.js';
import type { ClusterPool } from './kubernetes/cluster-pool.js';
import { RolloutFollower, type RolloutRecord } from './kubernetes/rollout-follower.js';
import type { WatchTuning } from './kubernetes/watch-tuning.js';

/** A record `track` follows: a rollout (`kubernetes`) or a Helm release's revision (`helm`). */
export type TrackedRecord = RolloutRecord & { provider: ProviderName };

/**
 * What `track` follows, each record by its provider: Kubernetes rollouts through namespace watches, Helm releases
 * by reading their revision records. Both settle through the one tracker and share the clusters.
 */
export class Followers {
  /** Rejects with the first failure retrying cannot mend, of either; never resolves. */
  readonly failed: Promise<never>;
  /** The status each settled deployment is in after this process's change. */
  readonly outcomes: Pick<ReadonlyMap<number, Status>, 'has' | 'get'>;
  private readonly rollouts: RolloutFollower;
  private readonly releases: ReleaseFollower;

  constructor(tracker: Tracker, clusters: ClusterPool, board: ProgressDisplay, tuning: WatchTuning, log: (line: string) => void) {
    this.rollouts = new RolloutFollower(tracker, clusters, board, tuning, log);
    this.releases = new ReleaseFollower(tracker, clusters, board, releasePollMs());
    this.failed = Promise.race([this.rollouts.failed, this.releases.failed]);
    this.failed.catch(() => undefined);
    this.outcomes = {
      has: (id) => this.rollouts.outcomes.has(id) || this.releases.outcomes.has(id),
      get: (id) => this.rollouts.outcomes.get(id) ?? this.releases.outcomes.get(id),
    };
  }

  get busy(): boolean {
    return this.rollouts.busy || this.releases.busy;
  }

  has(id: number): boolean {
    return this.rollouts.has(id) || this.releases.has(id);
  }

  add(record: TrackedRecord): void {
    this.of(record).add(record);
  }

  check(record: Pick<TrackedRecord, 'key' | 'target' | 'provider'>): void {
    this.of(record).check(record);
  }

  async idle(): Promise<void> {
    await Promise.all([this.rollouts.idle(), this.releases.idle()]);
  }

  async expire(limit: string): Promise<void> {
    await Promise.all([this.rollouts.expire(limit), this.releases.expire(limit)]);
  }

  dropUnheld(): void {
    this.rollouts.dropUnheld();
    this.releases.dropUnheld();
  }

  async stop(): Promise<void> {
    await Promise.all([this.rollouts.stop(), this.releases.stop()]);
  }

  private of(record: { provider: ProviderName }): RolloutFollower | ReleaseFollower {
    return record.provider === 'helm' ? this.releases : this.rollouts;
  }
}
