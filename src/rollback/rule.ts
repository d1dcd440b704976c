import type { Deployment } from '../deployment/deployment.js';

/**
 * What runs now in an app and environment, and what a rollback deploys instead: the contract's rule, as a pure
 * function of the history.
 *
 * What runs now is the newest deployment whose change was applied: a success, or one that failed, was cancelled,
 * timed out or went stale after it started. Started means the record reached `running` (it has `startedAt`),
 * which each provider reaches only once its change is out of shiplog's hands:
 * - kubernetes: the API server accepted the image patch (a refused patch fails the record while `pending`), or
 *   the deploy command ran; a record of a rollout already under way starts `running`;
 * - ncp: SourceDeploy accepted the start and gave a history id;
 * - command: the command was spawned;
 * - http, manual: the record starts `running`, the change being made elsewhere;
 * - imported: the source's start time, else its creation time.
 * Whether a started deployment that ended failed left its change behind cannot be known in general (a failed
 * NCP run may have stopped before it deployed); taking it as what runs makes the worst case deploying again what
 * already runs, where ignoring it would roll back a good deployment and leave the bad one.
 *
 * The target is the newest success before it that was not rolled back and deploys something other than it
 * (version, commit or image). `--to` names a success instead; it may be rolled back, but it may not be what
 * runs now.
 */

/** What the rule reads of a deployment. */
export type RollbackRecord = Pick<Deployment, 'id' | 'key' | 'status' | 'startedAt' | 'version' | 'commitSha' | 'image' | 'rolledBackBy'>;

/** What the rollback should deploy: by the rule, a deployment named with `--to`, or the newest success of a version. */
export type RollbackWanted = { kind: 'previous' } | { kind: 'deployment'; deployment: RollbackRecord } | { kind: 'version'; version: string };

/** Some of an app and environment's history, newest first; `complete` when nothing older is left out. */
export interface RollbackHistory {
  newestFirst: readonly RollbackRecord[];
  complete: boolean;
}

export type RollbackDecision =
  | { kind: 'chosen'; current: RollbackRecord; target: RollbackRecord; reason: string }
  | { kind: 'refused'; code: 'nothing_to_roll_back' | 'bad_value'; message: string }
  /** The answer may lie in older history than was given. */
  | { kind: 'read further' };

const settledAfterStart: readonly RollbackRecord['status'][] = ['failed', 'cancelled', 'timeout', 'stale'];

/** Whether the deployment's change was applied: it succeeded, or it reached `running` before it ended otherwise. */
export function changeApplied(d: RollbackRecord): boolean {
  return d.status === 'success' || (d.startedAt !== null && settledAfterStart.includes(d.status));
}

/** Whether two deployments put out the same thing: the same version, commit and image. */
export function deploysSame(a: RollbackRecord, b: RollbackRecord): boolean {
  return a.version === b.version && a.commitSha === b.commitSha && a.image === b.image;
}

export function decideRollback(history: RollbackHistory, wanted: RollbackWanted, app: string, env: string): RollbackDecision {
  const at = history.newestFirst.findIndex(changeApplied);
  if (at === -1) {
    if (!history.complete) return { kind: 'read further' };
    return { kind: 'refused', code: 'nothing_to_roll_back', message: `nothing to roll back: no deployment of ${app} in ${env} has been applied (none succeeded or started)` };
  }
  const current = history.newestFirst[at]!;
  const neverApplied = history.newestFirst.slice(0, at);
  const runs = `${app} in ${env} runs ${whatRuns(current)}${neverApplied.length === 0 ? '' : ` (newer, never applied: ${listed(neverApplied)})`}`;
  const earlier = history.newestFirst.slice(at + 1);
  switch (wanted.kind) {
    case 'previous': {
      const target = earlier.find((d) => d.status === 'success' && d.rolledBackBy === null && !deploysSame(d, current));
      if (!target) {
        if (!history.complete) return { kind: 'read further' };
        return {
          kind: 'refused',
          code: 'nothing_to_roll_back',
          message: `nothing to roll back to: ${runs}, and no success before it was not rolled back and deploys something else; name one with --to`,
        };
      }
      const skipped = earlier.slice(0, earlier.indexOf(target)).filter((d) => d.status === 'success');
      const passed = skipped.length === 0 ? '' : `; passed over ${listed(skipped, (d) => (d.rolledBackBy === null ? 'the same as what runs' : 'rolled back'))}`;
      return { kind: 'chosen', current, target, reason: `${runs}; ${described(target)} is the newest success before it that was not rolled back and deploys something else${passed}` };
    }
    case 'deployment':
      return chosenByName(current, wanted.deployment, `--to ${wanted.deployment.key}`, runs, env);
    case 'version': {
      const named = [current, ...earlier].find((d) => d.status === 'success' && d.version === wanted.version);
      if (!named) {
        if (!history.complete) return { kind: 'read further' };
        return { kind: 'refused', code: 'bad_value', message: `--to '${wanted.version}' names no successful deployment of ${app} in ${env} (as an id, a key or a version)` };
      }
      return chosenByName(current, named, `--to '${wanted.version}'`, runs, env);
    }
  }
}

/**
 * A success named with `--to`: anything but what runs now. Deploying again what a failed deployment put out is a
 * retry of it, and allowed; deploying again what runs successfully would change nothing.
 */
function chosenByName(current: RollbackRecord, named: RollbackRecord, option: string, runs: string, env: string): RollbackDecision {
  if (named.status !== 'success') {
    return { kind: 'refused', code: 'bad_value', message: `${option}: ${named.key} ended ${named.status}; only a successful deployment can be deployed again` };
  }
  if (named.id === current.id) {
    return { kind: 'refused', code: 'bad_value', message: `${option}: ${described(named)} is what runs in ${env} now; name an earlier success` };
  }
  if (current.status === 'success' && deploysSame(named, current)) {
    return { kind: 'refused', code: 'bad_value', message: `${option}: ${described(named)} deploys the same as what runs in ${env} now, ${described(current)}; name an earlier success` };
  }
  return { kind: 'chosen', current, target: named, reason: `${runs}; ${described(named)} was named with --to` };
}

/** What runs now, and, when it did not succeed, how it ended. */
function whatRuns(current: RollbackRecord): string {
  if (current.status === 'success') return described(current);
  return `${described(current)}, which ${current.status === 'failed' ? 'failed' : `ended ${current.status}`} after its change was applied`;
}

/** A deployment in a reason: its key and what it deploys. */
export function described(d: RollbackRecord): string {
  return `${d.key} (${d.version ?? d.image ?? d.commitSha?.slice(0, 7) ?? 'no version'})`;
}

const listedAtMost = 3;

function listed(deployments: readonly RollbackRecord[], why: (d: RollbackRecord) => string = (d) => d.status): string {
  const shown = deployments.slice(0, listedAtMost).map((d) => `${described(d)} ${why(d)}`);
  const more = deployments.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
