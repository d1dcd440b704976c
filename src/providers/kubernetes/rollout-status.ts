/**
 * The parts of a Deployment that say how its rollout stands. The client's `V1Deployment` fits it, and so does
 * the plain JSON of a watch event; the watcher keeps only this much of each object in memory.
 */
export interface DeploymentSnapshot {
  metadata?: { name?: string; generation?: number; resourceVersion?: string };
  spec?: { replicas?: number; paused?: boolean };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: readonly DeploymentCondition[];
  };
}

export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface RolloutVerdict {
  state: 'waiting' | 'complete' | 'failed';
  /**
   * kubectl's words for where the rollout stands, as `kubectl rollout status` prints them (without its newline):
   * `Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...`. shiplog adds to
   * them only what kubectl does not say (a paused Deployment, a reason it waits through, the condition's message).
   */
  message: string;
}

/** What the deployment controller sets when a rollout made no progress for `progressDeadlineSeconds`. */
const deadlineExceeded = 'ProgressDeadlineExceeded';

/**
 * Decides how a rollout stands, by the rules of `kubectl rollout status` in their order and in its words (its
 * DeploymentStatusViewer, kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go), plus one of shiplog's:
 * a Deployment deleted while waiting has failed. As in kubectl, only `ProgressDeadlineExceeded` fails a rollout:
 * `Progressing=False` for another reason (`ReplicaSetCreateError` when a quota refuses the new pods) is waited
 * through, since the controller retries and turns it into `ProgressDeadlineExceeded` once the deadline passes;
 * the waiting message names it, so the wait is not silent.
 *
 * `waitFor` is the generation shiplog's own change produced: an older object (from a cache, or a watch event
 * sent before the change) is not yet the rollout being waited for.
 */
export function rolloutVerdict(observed: DeploymentSnapshot | 'deleted', waitFor?: number): RolloutVerdict {
  if (observed === 'deleted') return { state: 'failed', message: 'the Deployment was deleted while its rollout was followed' };
  const generation = Math.max(observed.metadata?.generation ?? 0, waitFor ?? 0);
  const status = observed.status ?? {};
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'Waiting for deployment spec update to be observed...' };
  }
  const name = observed.metadata?.name ?? '';
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === deadlineExceeded) {
    return { state: 'failed', message: withConditionMessage(`deployment "${name}" exceeded its progress deadline`, progressing) };
  }
  const waiting = replicasWaiting(observed);
  if (waiting === undefined) return { state: 'complete', message: `deployment "${name}" successfully rolled out` };
  const message = `Waiting for deployment "${name}" rollout to finish: ${waiting}...`;
  // A paused Deployment never reaches its deadline: say why it does not move instead of waiting silently.
  if (observed.spec?.paused) return { state: 'waiting', message: `${message} (paused)` };
  if (progressing?.status === 'False') {
    return { state: 'waiting', message: `${message} (${withConditionMessage(`not progressing: ${progressing.reason ?? 'no reason given'}`, progressing)})` };
  }
  return { state: 'waiting', message };
}

/** kubectl's replica checks (rules 3 to 5), in its words; undefined when every replica is updated and available. */
function replicasWaiting(observed: DeploymentSnapshot): string | undefined {
  const wanted = observed.spec?.replicas;
  const { replicas = 0, updatedReplicas = 0, availableReplicas = 0 } = observed.status ?? {};
  if (wanted !== undefined && updatedReplicas < wanted) return `${updatedReplicas} out of ${wanted} new replicas have been updated`;
  if (replicas > updatedReplicas) return `${replicas - updatedReplicas} old replicas are pending termination`;
  if (availableReplicas < updatedReplicas) return `${availableReplicas} of ${updatedReplicas} updated replicas are available`;
  return undefined;
}

function withConditionMessage(summary: string, condition: DeploymentCondition): string {
  return condition.message ? `${summary}: ${condition.message}` : summary;
}
