import { setTimeout as sleep } from 'node:timers/promises';
import { envMs } from '../../config/tuning-env.js';
import { toDeployment } from '../../db/deployment-rows.js';
import { listOpenRefs, type DeploymentRef, type OpenFilter } from '../../db/deployments.js';
import type { Store } from '../../db/store.js';
import type { Deployment } from '../../deployment/deployment.js';
import { isFinal } from '../../deployment/lifecycle.js';
import { ShiplogError } from '../../errors.js';
import type { Output } from '../../terminal/output.js';
import { progressDisplay } from '../../terminal/progress-display.js';
import { unfollowableLine } from '../../tracking/follow-selection.js';
import { interruptible } from '../../tracking/interrupt.js';
import { Tracker } from '../../tracking/tracker.js';
import { Followers } from '../followers.js';
import { ClusterPool, type KubeChoice } from './cluster-pool.js';
import { firstEnd, type FollowEnd } from './follow-end.js';
import { watchTuning } from './watch-tuning.js';

export interface TrackRequest {
  /** The deployments to follow to their outcome; with `follow`, the ones found so far. */
  refs: readonly DeploymentRef[];
  /** Keep running, picking up every deployment this filter takes as it is recorded, until a signal or the deadline. */
  follow: OpenFilter | undefined;
  /**
   * Whether a deployment that cannot be followed here (its kubeconfig context missing) is reported and left as it
   * is while the others are followed, or stops the run (one deployment named alone).
   */
  skipUnfollowable: boolean;
  /** Epoch ms after which what is still followed becomes `timeout`. */
  deadline: number | undefined;
  /** `--timeout` as the user wrote it, for the explanation on timed-out records. */
  limit: string | undefined;
  /** `--kubeconfig` and `--context`. */
  kube: KubeChoice;
  out: Output;
}

export interface TrackResult {
  /** Every deployment this run was about, in the order it met them. */
  ids: number[];
  /** The deployments reported as not followable here and left as they were, with why. */
  skipped: Map<number, ShiplogError>;
  end: FollowEnd;
}

/** How often the store is looked at for new deployments, and for ones another follower holds or let go. */
const scanMs = envMs(process.env, 'SHIPLOG_TRACK_SCAN_MS') ?? 2_000;

/**
 * `track`: follows Kubernetes and Helm deployments to their outcomes. The deployments it can claim (no live follower
 * holds their lease) are followed through one watch per namespace; the others are looked at in the store every
 * few seconds until they end, or until their follower dies and this one can claim them. With `follow` the
 * store is also searched for newly recorded deployments. Stops on the deadline (followed `running` records
 * become `timeout`) or at the first SIGINT/SIGTERM (records stay as they are, resumable by a later `track`).
 */
export async function trackRollouts(store: Store, request: TrackRequest): Promise<TrackResult> {
  const tracker = new Tracker(store, 'watch');
  // One named deployment gets a spinner; several, or a watcher picking up new ones, the board.
  const board = await progressDisplay(request.out, !request.follow && request.refs.length === 1 ? 'one' : 'many');
  const follower = new Followers(tracker, new ClusterPool(request.kube), board, watchTuning(), (line) => request.out.detail(line));
  const ids = request.refs.map(([id]) => id);
  const seen = new Set(ids);
  const open = new Set(ids);
  const skipped = new Map<number, ShiplogError>();
  let firstScan = true;
  if (request.follow) request.out.detail(`watching the store for newly recorded Kubernetes deployments every ${scanMs}ms`);

  /** Brings the picture up to date: new deployments, ended ones, and ones this process can claim now. */
  const scan = async () => {
    follower.dropUnheld();
    if (request.follow) {
      const filter = request.follow;
      for (const [id] of await store.read((tx) => listOpenRefs(tx, filter))) {
        if (seen.has(id)) continue;
        seen.add(id);
        ids.push(id);
        open.add(id);
      }
    }
    const unfollowed = [...open].filter((id) => !follower.has(id));
    if (unfollowed.length === 0) return;
    // In id order, so that followers racing for the same leases on PostgreSQL lock rows in one order, never deadlocking.
    const rows = await store.read((tx) => tx.selectFrom('deployments').selectAll().where('id', 'in', unfollowed).orderBy('id').execute());
    const claimable: DeploymentRef[] = [];
    for (const deployment of rows.map(toDeployment)) {
      const { id } = deployment;
      if (isFinal(deployment.status) || follower.outcomes.has(id)) {
        open.delete(id);
        continue;
      }
      // Checked before the claim, so a deployment this process cannot follow is left exactly as it was.
      const problem = unfollowable(follower, deployment);
      if (problem === undefined) {
        claimable.push([id, deployment.key]);
        continue;
      }
      if (!request.skipUnfollowable) throw problem;
      skipped.set(id, problem);
      open.delete(id);
      request.out.progress(unfollowableLine(deployment, problem));
    }
    const claimed = await tracker.follow(claimable);
    if (claimed.length > 0 || firstScan) {
      const held = claimable.length - claimed.length;
      request.out.detail(`following ${claimed.length} of ${claimable.length} deployments${held > 0 ? `; a live follower holds the other ${held}` : ''}`);
    }
    firstScan = false;
    for (const deployment of claimed) follower.add(deployment);
  };

  try {
    const end = await interruptible(async (interrupt) => {
      for (;;) {
        await scan();
        if (!request.follow && open.size === 0) return 'settled' as const;
        // Wake when what is followed here has ended, or in a while to look at the store again.
        const rest = new AbortController();
        const pause = sleep(scanMs, undefined, { signal: rest.signal }).catch(() => undefined);
        try {
          const end = await firstEnd(Promise.race([follower.busy ? follower.idle() : follower.failed, pause]), request.deadline, interrupt);
          if (end !== 'settled') return end;
        } finally {
          rest.abort();
        }
      }
    }, () => tracker.releaseNow());
    if (end === 'deadline') await follower.expire(request.limit === undefined ? 'the time limit' : `--timeout ${request.limit}`);
    return { ids, skipped, end };
  } finally {
    await follower.stop();
    board.close();
    await tracker.release();
  }
}

/** Why this process cannot follow the deployment (exit 5: its kubeconfig context is missing here, say); undefined when it can. */
function unfollowable(follower: Followers, deployment: Deployment): ShiplogError | undefined {
  try {
    follower.check(deployment);
    return undefined;
  } catch (error) {
    if (error instanceof ShiplogError) return error;
    throw error;
  }
}
