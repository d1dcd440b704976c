import { envMs } from '../../config/tuning-env.js';
import type { Status } from '../../deployment/lifecycle.js';
import type { Output } from '../../terminal/output.js';
import { progressDisplay } from '../../terminal/progress-display.js';
import { interruptible } from '../../tracking/interrupt.js';
import type { Tracker } from '../../tracking/tracker.js';
import { ClusterPool } from '../kubernetes/cluster-pool.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import { firstEnd } from '../kubernetes/follow-end.js';
import type { FollowedDeployment } from '../provider.js';
import { ReleaseFollower } from './release-follower.js';

/** How often a followed release's record is read: SHIPLOG_HELM_POLL_MS, 2 s by default. */
export function releasePollMs(env: NodeJS.ProcessEnv = process.env): number {
  return envMs(env, 'SHIPLOG_HELM_POLL_MS') ?? 2_000;
}

/**
 * `deploy --helm … --wait`: follows the revision the deploy recorded until it ends, the deadline passes (`timeout`,
 * naming Helm's lock if the revision is still pending) or SIGINT/SIGTERM arrives (left `running` for `track`).
 */
export async function followRelease(tracker: Tracker, cluster: KubeCluster, deployment: FollowedDeployment, out: Output, deadline: number | undefined): Promise<Status> {
  const board = await progressDisplay(out, 'one');
  const follower = new ReleaseFollower(tracker, new ClusterPool({}, cluster), board, releasePollMs(), (line) => out.detail(line));
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
