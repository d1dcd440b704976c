import { envMs } from '../../config/tuning-env.js';
import type { Status } from '../../deployment/lifecycle.js';
import type { Output } from '../../terminal/output.js';
import type { Tracker } from '../../tracking/tracker.js';
import { followOne } from '../follow-one.js';
import { ClusterPool } from '../kubernetes/cluster-pool.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import type { FollowedDeployment } from '../provider.js';
import { ReleaseFollower } from './release-follower.js';

/** How often a followed release's record is read: SHIPLOG_HELM_POLL_MS, 2 s by default. */
export function releasePollMs(env: NodeJS.ProcessEnv = process.env): number {
  return envMs(env, 'SHIPLOG_HELM_POLL_MS') ?? 2_000;
}

/**
 * `deploy --helm … --wait`: follows the revision the deploy recorded, as `track` does; past the deadline it is
 * `timeout`, naming Helm's lock if the revision is still pending.
 */
export async function followRelease(tracker: Tracker, cluster: KubeCluster, deployment: FollowedDeployment, out: Output, deadline: number | undefined): Promise<Status> {
  return followOne(tracker, deployment, out, deadline, (board) => new ReleaseFollower(tracker, new ClusterPool({}, cluster), board, releasePollMs()));
}
