import type { AbandonedDeployment } from './db/abandoned.js';
import type { Status } from './lifecycle.js';

/** What the provider says became of a deployment nobody followed to its end. */
export type ProviderAnswer =
  | { kind: 'final'; status: Extract<Status, 'success' | 'failed' | 'cancelled'>; detail: string }
  /** Still under way there: not stale, only unfollowed. */
  | { kind: 'running'; detail: string }
  /** The provider cannot be asked, or gave no answer that settles it. */
  | { kind: 'unknown'; reason: string };

/** An answer, and the status the record had when the provider was asked: it counts only if that still holds. */
export interface Reconciled {
  askedIn: Status;
  answer: ProviderAnswer;
}

/**
 * Asks each deployment's provider for its real outcome, outside any transaction. A deployment a provider
 * cannot report on keeps an `unknown` answer that says why, so cleanup can say it per record.
 */
export async function askProviders(deployments: readonly AbandonedDeployment[]): Promise<Map<number, Reconciled>> {
  const answers = new Map<number, Reconciled>();
  for (const deployment of deployments) {
    answers.set(deployment.id, { askedIn: deployment.status, answer: await askProvider(deployment) });
  }
  return answers;
}

async function askProvider(deployment: AbandonedDeployment): Promise<ProviderAnswer> {
  switch (deployment.provider) {
    case 'command':
      return { kind: 'unknown', reason: 'a command deployment cannot be reconciled: its process is gone and its exit status was never recorded' };
    case 'manual':
      return { kind: 'unknown', reason: `a record-only deployment has no provider to ask; close it with 'shiplog finish ${deployment.key} --status ...'` };
    default:
      return { kind: 'unknown', reason: `this shiplog cannot read a ${deployment.provider} deployment's status yet` };
  }
}
