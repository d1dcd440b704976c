import type { Status } from '../../deployment/lifecycle.js';
import type { Output } from '../../terminal/output.js';
import { progressDisplay } from '../../terminal/progress-display.js';
import { interruptible } from '../../tracking/interrupt.js';
import type { Tracker } from '../../tracking/tracker.js';
import type { FollowedDeployment } from '../provider.js';
import { ClusterPool } from './cluster-pool.js';
import type { KubeCluster } from './cluster.js';
import { firstEnd } from './follow-end.js';
import { RolloutFollower } from './rollout-follower.js';
import { watchTuning } from './watch-tuning.js';

/**
 * `deploy --k8s … --wait`: follows the one rollout the deploy started, with the watch machinery of `track`, until
 * it ends, the deadline passes (`timeout`) or SIGINT/SIGTERM arrives (left `running` for a later `track`).
 * Resolves with the status the record is in.
 */
export async function followRollout(tracker: Tracker, cluster: KubeCluster, deployment: FollowedDeployment, out: Output, deadline: number | undefined): Promise<Status> {
  const board = await progressDisplay(out, 'one');
  const follower = new RolloutFollower(tracker, new ClusterPool({}, cluster), board, watchTuning(), (line) => out.detail(line));
  try {
    const end = await interruptible((interrupt) => {
      follower.add(deployment);
      return firstEnd(follower.idle(), deadline, interrupt);
    });
    if (end === 'deadline') await follower.expire('the --timeout');
    if (end === 'interrupted') out.progress(`interrupted: ${deployment.key} is left running; resume with 'shiplog track ${deployment.key}'`);
    return follower.outcomes.get(deployment.id) ?? tracker.get(deployment.id)?.status ?? 'running';
  } finally {
    await follower.stop();
    board.close();
  }
}
