import type { Status } from '../deployment/lifecycle.js';
import type { ProgressDisplay } from '../terminal/progress.js';
import { formatDuration } from '../timing/duration.js';
import { LeaseLost, type Outcome, type Tracker } from '../tracking/tracker.js';

/** A followed deployment as its progress line names it. */
export interface Settled {
  id: number;
  /** `key app -> env (where)`. */
  label: string;
  /** When it began (epoch ms), for the elapsed time. */
  since: number;
}

/**
 * The end of a follower's work, shared by every follower `track` runs (rollouts, Helm releases): each outcome
 * committed in the background as one compare-and-set through the tracker, the one failure retrying cannot mend,
 * and the wait until nothing is followed and every outcome is committed.
 */
export class Settlements {
  /** The status each settled deployment is in after this process's change (another writer's, if it came first). */
  readonly outcomes = new Map<number, Status>();
  /** Rejects with the first failure retrying cannot mend (401/403, a failed exec plugin, a store that fails); never resolves. */
  readonly failed: Promise<never>;
  private readonly committing = new Set<Promise<void>>();
  /** One shared wait for idle(), however often a loop asks, settled when the follower goes idle or fails. */
  private idleWait: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;
  private fatal: unknown;
  private rejectFailed: (error: unknown) => void = () => undefined;

  /** `following`: how many deployments the follower still follows. */
  constructor(
    private readonly tracker: Tracker,
    private readonly board: ProgressDisplay,
    private readonly following: () => number,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => undefined);
  }

  /** Whether a deployment is followed or an outcome is being committed: idle() will resolve later, not now. */
  get busy(): boolean {
    return this.following() > 0 || this.committing.size > 0;
  }

  fail(error: unknown): void {
    this.fatal ??= error;
    this.rejectFailed(error);
    this.wake();
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

  /** Commits an outcome in the background; call it before the follower lets go of the deployment, so idle() never resolves in between. */
  settle(settled: Settled, outcome: Outcome & { detail: string }): void {
    const committed = this.commit(settled, outcome).catch((error: unknown) => this.fail(error));
    this.committing.add(committed);
    void committed.finally(() => {
      this.committing.delete(committed);
      this.wake();
    });
  }

  /** Waits for the outcomes already being committed. */
  async drain(): Promise<void> {
    await Promise.all(this.committing);
  }

  /** Called when the follower lets go of a deployment: idle() may resolve now. */
  wake(): void {
    if (!this.idleWait || (this.fatal === undefined && this.busy)) return;
    if (this.fatal === undefined) this.idleWait.resolve();
    else this.idleWait.reject(this.fatal);
    this.idleWait = undefined;
  }

  /** Another follower holds the deployment now and records its outcome; `track` reads it from the store once it is there. */
  takenOver(settled: Settled): void {
    this.board.finish(settled.id, settled.label, 'taken over by another follower');
  }

  private async commit(settled: Settled, outcome: Outcome & { detail: string }): Promise<void> {
    let status: Status;
    try {
      status = await this.tracker.settle(settled.id, outcome);
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      this.takenOver(settled);
      return;
    }
    this.outcomes.set(settled.id, status);
    const words = status === outcome.to ? outcome.detail : `already ${status} (another writer came first)`;
    this.board.finish(settled.id, settled.label, `${status}: ${words} (${formatDuration(Date.now() - settled.since)})`);
  }
}

/**
 * What every follower `track` runs (rollouts, Helm releases) tells of its work, from the deployments it follows
 * (`followed`, by id) and its Settlements.
 */
export abstract class SettlingFollower<Followed> {
  protected readonly followed = new Map<number, Followed>();
  protected readonly settlements: Settlements;

  constructor(tracker: Tracker, board: ProgressDisplay) {
    this.settlements = new Settlements(tracker, board, () => this.followed.size);
  }

  /** The status each settled deployment is in after this process's change (another writer's, if it came first). */
  get outcomes(): ReadonlyMap<number, Status> {
    return this.settlements.outcomes;
  }

  /** Rejects with the first failure retrying cannot mend (401/403, a failed exec plugin, a store that fails); never resolves. */
  get failed(): Promise<never> {
    return this.settlements.failed;
  }

  /** Whether a deployment is followed or an outcome is being committed: idle() will resolve later, not now. */
  get busy(): boolean {
    return this.settlements.busy;
  }

  has(id: number): boolean {
    return this.followed.has(id);
  }
}
