import type { Status } from '../deployment/lifecycle.js';
import type { Output } from '../terminal/output.js';
import { progressDisplay } from '../terminal/progress-display.js';
import type { ProgressDisplay } from '../terminal/progress.js';
import { interruptible } from '../tracking/interrupt.js';
import type { Tracker } from '../tracking/tracker.js';
import { firstEnd } from './kubernetes/follow-end.js';
import type { FollowedDeployment } from './provider.js';

/** What `track` follows deployments with, as one deploy's `--wait` uses it: a rollout follower, a release follower. */
export interface OneFollower {
  readonly outcomes: Pick<ReadonlyMap<number, Status>, 'get'>;
  add(deployment: FollowedDeployment): void;
  idle(): Promise<void>;
  expire(limit: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `deploy … --wait` on Kubernetes or Helm: follows the one deployment the deploy started, with the follower `track`
 * uses, until it ends, the deadline passes (`timeout`) or SIGINT/SIGTERM arrives (left `running` for a later
 * `track`). Resolves with the status the record is in.
 */
export async function followOne(
  tracker: Tracker,
  deployment: FollowedDeployment,
  out: Output,
  deadline: number | undefined,
  follower: (board: ProgressDisplay) => OneFollower,
): Promise<Status> {
  const board = await progressDisplay(out, 'one');
  const following = follower(board);
  try {
    const end = await interruptible((interrupt) => {
      following.add(deployment);
      return firstEnd(following.idle(), deadline, interrupt);
    });
    if (end === 'deadline') await following.expire('the --timeout');
    if (end === 'interrupted') out.progress(`interrupted: ${deployment.key} is left running; resume with 'shiplog track ${deployment.key}'`);
    return following.outcomes.get(deployment.id) ?? tracker.get(deployment.id)?.status ?? 'running';
  } finally {
    await following.stop();
    board.close();
  }
}
