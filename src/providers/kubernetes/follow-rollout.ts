import type { Status } from '../../deployment/lifecycle.js';
import type { Output } from '../../terminal/output.js';
import type { Tracker } from '../../tracking/tracker.js';
import { followOne } from '../follow-one.js';
import type { FollowedDeployment } from '../provider.js';
import { ClusterPool } from './cluster-pool.js';
import type { KubeCluster } from './cluster.js';
import { RolloutFollower } from './rollout-follower.js';
import { watchTuning } from './watch-tuning.js';

/** `deploy --k8s … --wait`: follows the one rollout the deploy started with the watch machinery of `track`. */
export async function followRollout(tracker: Tracker, cluster: KubeCluster, deployment: FollowedDeployment, out: Output, deadline: number | undefined): Promise<Status> {
  return followOne(tracker, deployment, out, deadline, (board) => new RolloutFollower(tracker, new ClusterPool({}, cluster), board, watchTuning(), (line) => out.detail(line)));
}
