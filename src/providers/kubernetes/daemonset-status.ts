import type { RolloutVerdict } from './rollout-status.js';
import { onlyRollingUpdate } from './statefulset-status.js';

/** The parts of a DaemonSet that `kubectl rollout status` reads; the client's `V1DaemonSet` fits it. */
export interface DaemonSetSnapshot {
  metadata?: { name?: string; generation?: number };
  spec?: { updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

/**
 * kubectl's DaemonSetStatusViewer, rule for rule and word for word (without its trailing newline): the new pods
 * scheduled on every node that should run one, then available there. `maxUnavailable` plays no part, and a
 * DaemonSet never fails by kubectl's rules; an `OnDelete` one is refused as kubectl refuses it. `waitFor`: the
 * generation shiplog's change produced, as for a Deployment.
 */
export function daemonSetVerdict(observed: DaemonSetSnapshot, waitFor?: number): RolloutVerdict {
  if (observed.spec?.updateStrategy?.type !== 'RollingUpdate') return { state: 'failed', message: onlyRollingUpdate };
  const status = observed.status ?? {};
  const name = observed.metadata?.name ?? '';
  const generation = Math.max(observed.metadata?.generation ?? 0, waitFor ?? 0);
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'Waiting for daemon set spec update to be observed...' };
  }
  const { desiredNumberScheduled = 0, updatedNumberScheduled = 0, numberAvailable = 0 } = status;
  if (updatedNumberScheduled < desiredNumberScheduled) {
    return { state: 'waiting', message: `Waiting for daemon set "${name}" rollout to finish: ${updatedNumberScheduled} out of ${desiredNumberScheduled} new pods have been updated...` };
  }
  if (numberAvailable < desiredNumberScheduled) {
    return { state: 'waiting', message: `Waiting for daemon set "${name}" rollout to finish: ${numberAvailable} of ${desiredNumberScheduled} updated pods are available...` };
  }
  return { state: 'complete', message: `daemon set "${name}" successfully rolled out` };
}
