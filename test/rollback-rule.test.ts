import { describe, expect, it } from 'vitest';
import type { ProviderName, Deployment } from '../src/deployment/deployment.js';
import type { Status } from '../src/deployment/lifecycle.js';
import { changeApplied, decideRollback, type RollbackDecision, type RollbackWanted } from '../src/rollback/rule.js';

let nextId = 0;

/** A deployment as the store would hand it over; `started: false` is one that ended before it reached running. */
function dep(version: string, status: Status, parts: { started?: boolean; provider?: ProviderName; rolledBack?: boolean; image?: string; rollback?: boolean } = {}): Deployment {
  nextId += 1;
  const at = new Date(Date.UTC(2026, 11, 1, 0, nextId)).toISOString();
  return {
    id: nextId,
    key: `dep_${version}_${status}_${nextId}`,
    app: 'web',
    env: 'prod',
    version,
    commitSha: null,
    repo: null,
    image: parts.image ?? null,
    provider: parts.provider ?? 'command',
    target: null,
    status,
    isRollback: parts.rollback ?? false,
    rollbackOf: null,
    rolledBackBy: parts.rolledBack ? 999 : null,
    operator: null,
    message: null,
    ciRunUrl: null,
    idempotencyKey: null,
    createdAt: at,
    startedAt: parts.started === false ? null : at,
    completedAt: at,
    durationMs: 0,
    error: null,
  };
}

const previous: RollbackWanted = { kind: 'previous' };
const version = (v: string): RollbackWanted => ({ kind: 'version', version: v });

/** The decision on a history given oldest first, as it happened; `complete: false` when older history is left out. */
function decide(oldestFirst: Deployment[], wanted: RollbackWanted = previous, complete = true): RollbackDecision {
  return decideRollback({ newestFirst: [...oldestFirst].reverse(), complete }, wanted, 'web', 'prod');
}

/** current → target as versions, or the refusal's code, or 'read further'. */
function outcome(decision: RollbackDecision): string {
  if (decision.kind === 'chosen') return `${decision.current.version}:${decision.current.status} -> ${decision.target.version}`;
  return decision.kind === 'refused' ? `refused ${decision.code}` : 'read further';
}

describe('what runs now is the newest deployment whose change was applied', () => {
  const cases: [string, Deployment, boolean][] = [
    ['a success', dep('1', 'success'), true],
    ['a success with no start time (imported, or finished straight from pending)', dep('1', 'success', { started: false }), true],
    ['a failed kubernetes rollout whose image patch was accepted (ProgressDeadlineExceeded)', dep('1', 'failed', { provider: 'kubernetes' }), true],
    ['a kubernetes deploy whose image patch was refused', dep('1', 'failed', { provider: 'kubernetes', started: false }), false],
    ['a failed NCP run that SourceDeploy accepted', dep('1', 'failed', { provider: 'ncp' }), true],
    ['an NCP start that SourceDeploy refused', dep('1', 'failed', { provider: 'ncp', started: false }), false],
    ['a command that ran and failed', dep('1', 'failed', { provider: 'command' }), true],
    ['a failed HTTP-tracked deployment (recorded running)', dep('1', 'failed', { provider: 'http' }), true],
    ['a record-only deployment finished failed', dep('1', 'failed', { provider: 'manual' }), true],
    ['a timed-out rollout', dep('1', 'timeout', { provider: 'kubernetes' }), true],
    ['a stale record', dep('1', 'stale', { provider: 'ncp' }), true],
    ['a deployment cancelled after it started (superseded, interrupted)', dep('1', 'cancelled'), true],
    ['a deployment cancelled before it started', dep('1', 'cancelled', { started: false }), false],
    ['a deployment still running', dep('1', 'running'), false],
    ['a deployment still pending', dep('1', 'pending', { started: false }), false],
  ];
  it.each(cases)('%s', (_name, deployment, applied) => {
    expect(changeApplied(deployment)).toBe(applied);
  });
});

describe('a rollback replaces what runs now with the newest success before it that was not rolled back and differs', () => {
  const cases: [string, () => RollbackDecision, string][] = [
    ['two successes: the earlier one', () => decide([dep('1.0', 'success'), dep('1.1', 'success')]), '1.1:success -> 1.0'],
    [
      'a rollout that failed after its image was set is what runs, and the success before it is the target (fail-web)',
      () => decide([dep('1.0', 'success', { provider: 'kubernetes' }), dep('1.1', 'failed', { provider: 'kubernetes' })]),
      '1.1:failed -> 1.0',
    ],
    ['v2.3 failed after it was applied: v2.2 is the target, not v2.1', () => decide([dep('2.1', 'success'), dep('2.2', 'success'), dep('2.3', 'failed')]), '2.3:failed -> 2.2'],
    ['a newer deployment that never started is passed over', () => decide([dep('1.0', 'success'), dep('1.1', 'success'), dep('1.2', 'failed', { started: false })]), '1.1:success -> 1.0'],
    ['a timed-out deployment is what runs', () => decide([dep('1.0', 'success'), dep('1.1', 'timeout')]), '1.1:timeout -> 1.0'],
    ['a stale deployment is what runs', () => decide([dep('1.0', 'success'), dep('1.1', 'stale')]), '1.1:stale -> 1.0'],
    ['a deployment cancelled after it started is what runs', () => decide([dep('1.0', 'success'), dep('1.1', 'cancelled')]), '1.1:cancelled -> 1.0'],
    ['failures before what runs are never targets', () => decide([dep('1.0', 'success'), dep('1.1', 'failed'), dep('1.2', 'success')]), '1.2:success -> 1.0'],
    ['a rolled-back success is passed over', () => decide([dep('1.0', 'success'), dep('1.1', 'success', { rolledBack: true }), dep('1.2', 'success')]), '1.2:success -> 1.0'],
    ['a success that deploys the same as what runs is passed over', () => decide([dep('1.0', 'success'), dep('1.1', 'success'), dep('1.1', 'failed')]), '1.1:failed -> 1.0'],
    ['the same version with another image differs', () => decide([dep('1.0', 'success', { image: 'web:a' }), dep('1.0', 'success', { image: 'web:b' })]), '1.0:success -> 1.0'],
    [
      'after a successful rollback of a failed deployment, nothing is left',
      () => decide([dep('1.0', 'success'), dep('1.1', 'failed', { rolledBack: true }), dep('1.0', 'success', { rollback: true })]),
      'refused nothing_to_roll_back',
    ],
    ['a failed rollback is what runs; the target is older than what it tried', () => decide([dep('1.0', 'success'), dep('1.1', 'success', { rolledBack: false }), dep('1.2', 'failed'), dep('1.1', 'failed', { rollback: true })]), '1.1:failed -> 1.0'],
    ['no deployment applied: nothing to roll back', () => decide([dep('1.0', 'failed', { started: false })]), 'refused nothing_to_roll_back'],
    ['an empty history: nothing to roll back', () => decide([]), 'refused nothing_to_roll_back'],
    ['one success: nothing to roll back to', () => decide([dep('1.0', 'success')]), 'refused nothing_to_roll_back'],
    ['a failed first deployment with no success before it: nothing to roll back to', () => decide([dep('1.0', 'failed')]), 'refused nothing_to_roll_back'],
    ['no target in part of the history: read further', () => decide([dep('1.0', 'success')], previous, false), 'read further'],
    ['nothing applied in part of the history: read further', () => decide([dep('1.0', 'failed', { started: false })], previous, false), 'read further'],
    ['--to the newest success while a later failure runs (fail-web --to 1.0)', () => decide([dep('1.0', 'success'), dep('1.1', 'failed')], version('1.0')), '1.1:failed -> 1.0'],
    ['--to an earlier version, even one rolled back', () => decide([dep('1.0', 'success'), dep('1.1', 'success', { rolledBack: true }), dep('1.2', 'success')], version('1.1')), '1.2:success -> 1.1'],
    ['--to the version that runs successfully', () => decide([dep('1.0', 'success'), dep('1.1', 'success')], version('1.1')), 'refused bad_value'],
    ['--to the version a failed deployment tried, from an earlier success: a retry', () => decide([dep('1.0', 'success'), dep('1.1', 'success'), dep('1.1', 'failed')], version('1.1')), '1.1:failed -> 1.1'],
    ['--to a version that never succeeded', () => decide([dep('1.0', 'success'), dep('1.1', 'failed')], version('1.1')), 'refused bad_value'],
    ['--to a version not in part of the history: read further', () => decide([dep('1.0', 'success'), dep('1.1', 'success')], version('0.9'), false), 'read further'],
  ];
  it.each(cases)('%s', (_name, decision, expected) => {
    expect(outcome(decision())).toBe(expected);
  });

  it('--to names a deployment: a success other than what runs, never a failure or what runs', () => {
    const older = dep('1.0', 'success');
    const runs = dep('1.1', 'success');
    const failed = dep('1.2', 'failed', { started: false });
    const twin = dep('1.1', 'success');
    const history = [older, runs, failed];
    expect(outcome(decide(history, { kind: 'deployment', deployment: older }))).toBe('1.1:success -> 1.0');
    expect(outcome(decide(history, { kind: 'deployment', deployment: runs }))).toBe('refused bad_value');
    expect(outcome(decide(history, { kind: 'deployment', deployment: failed }))).toBe('refused bad_value');
    expect(outcome(decide([twin, older, runs], { kind: 'deployment', deployment: twin }))).toBe('refused bad_value');
  });

  it('says from what to what, and why', () => {
    const good = dep('2.1', 'success');
    const kept = dep('2.2', 'success');
    const broke = dep('2.3', 'failed');
    const refused = dep('2.4', 'failed', { started: false });
    const decision = decide([good, kept, broke, refused]);
    expect(decision).toMatchObject({ kind: 'chosen', current: { key: broke.key }, target: { key: kept.key } });
    expect(decision.kind === 'chosen' && decision.reason).toBe(
      `web in prod runs ${broke.key} (2.3), which failed after its change was applied (newer, never applied: ${refused.key} (2.4) failed); ${kept.key} (2.2) is the newest success before it that was not rolled back and deploys something else`,
    );

    const skipping = decide([good, dep('2.2', 'success', { rolledBack: true }), dep('2.5', 'success'), dep('2.5', 'success')]);
    expect(skipping.kind === 'chosen' && skipping.reason).toMatch(/; passed over dep_2\.5_success_\d+ \(2\.5\) the same as what runs, dep_2\.2_success_\d+ \(2\.2\) rolled back$/);
  });
});
