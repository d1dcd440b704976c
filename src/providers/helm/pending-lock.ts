import type { HelmDriver } from './release-record.js';
import { revisionObjectName } from './release-record.js';

export interface PendingRevision {
  namespace: string;
  release: string;
  revision: number;
  status: string;
  driver: HelmDriver;
  /** The newest revision that ran (`deployed` or `superseded`), to go back to; undefined when none is stored. */
  lastGood: number | undefined;
}

/**
 * How a release stuck in `pending-*` is released. Helm refuses every other upgrade, rollback or install of the
 * release while its latest revision is pending, and never settles one whose client was killed (helm/helm #7476):
 * a person does, once no helm process works on it. shiplog only says how; it never touches Helm's records.
 */
export function pendingLockAdvice(pending: PendingRevision): string {
  const object = `${pending.driver === 'secret' ? 'Secret' : 'ConfigMap'} ${revisionObjectName(pending.release, pending.revision)}`;
  const rollback = pending.lastGood === undefined ? undefined : `'helm rollback ${pending.release} ${pending.lastGood} --namespace ${pending.namespace}'`;
  return (
    `Helm's lock: revision ${pending.revision} of ${pending.namespace}/${pending.release} is ${pending.status}, and Helm refuses any other operation on the release until it is settled; ` +
    `once no helm process works on it, release it with ${rollback ? `${rollback}, or by deleting ${object}` : `'kubectl delete ${pending.driver} ${revisionObjectName(pending.release, pending.revision)} --namespace ${pending.namespace}'`}`
  );
}
