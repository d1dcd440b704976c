import { setTimeout as delay } from 'node:timers/promises';
import type { Deployment } from '../deployment/deployment.js';
import { canTransition, type Status } from '../deployment/lifecycle.js';
import { ExitCode, ShiplogError } from '../errors.js';
import type { ProgressDisplay } from '../terminal/progress.js';
import { jittered, retryDelayMs } from '../timing/backoff.js';
import { formatDuration } from '../timing/duration.js';
import { unfollowableOutcome } from '../tracking/follow-selection.js';
import { LeaseLost, type Tracker } from '../tracking/tracker.js';
import { AbortBranches } from './abort-branches.js';
import { ConcurrencyLimiter } from './limiter.js';
import type { PollSettings } from './poll-settings.js';
import type { RemoteState } from './remote-state.js';
import { TransientFailure } from './request-failure.js';
import type { StatusProbe } from './status-probe.js';

export interface PollTarget {
  /** As the tracker claimed it. */
  deployment: Deployment;
  probe: StatusProbe;
}

/** How following one deployment ended. */
export type PollEnd =
  /** The record is in `status` now: final, `timeout`, or an unresolved status it already had at the time limit. */
  | { kind: 'settled'; status: Status }
  /** Ctrl-C, or another deployment's fatal error: the record is as it was, ready for a later poll. */
  | { kind: 'interrupted' }
  /** Another follower took the lease over. */
  | { kind: 'lost' }
  /** Its service refused it (credentials, a redirect to another origin): the record is as it was, the others went on. */
  | { kind: 'refused'; error: ShiplogError }
  /** An error that ends the whole run (credentials refused, the store gone). */
  | { kind: 'stopped'; error: unknown };

export interface PollRun {
  tracker: Tracker;
  settings: PollSettings;
  /** Epoch ms at which unresolved deployments become `timeout`; undefined polls until each one ends. */
  deadline: number | undefined;
  signal: AbortSignal;
  board: ProgressDisplay;
  /**
   * Whether a deployment its service refuses ends as `refused` while the others go on (`poll` of several), or
   * stops the whole run (a deploy that waits, a poll of one).
   */
  skipRefused: boolean;
}

interface RunningPoll extends PollRun {
  limiter: ConcurrencyLimiter;
}

/**
 * Polls each deployment on its own interval (jittered) until its service reports a final status, with never
 * more than `settings.concurrency` requests in flight across all of them. Failed requests are retried with
 * backoff and recorded as events, never as an outcome. A refusal by a deployment's service ends that one
 * (`skipRefused`) or the run; any other error that is not passing (a broken store) stops every loop, as does the
 * run's signal. Records stay as their last transaction left them, so a later `poll` resumes them.
 */
export async function pollDeployments(run: PollRun, targets: readonly PollTarget[]): Promise<Map<number, PollEnd>> {
  const limiter = new ConcurrencyLimiter(run.settings.concurrency);
  const branches = new AbortBranches(run.signal);
  const ends = new Map<number, PollEnd>();
  try {
    await Promise.all(
      targets.map(async (target) => {
        const { signal, release } = branches.branch();
        try {
          ends.set(target.deployment.id, await pollOne({ ...run, signal, limiter }, target));
        } catch (error) {
          ends.set(target.deployment.id, { kind: 'stopped', error });
          branches.abort(error);
        } finally {
          release();
        }
      }),
    );
  } finally {
    branches.close();
  }
  return ends;
}

/** Polls one deployment until it ends here; one whose lease another follower took is its own line, and `lost`. */
async function pollOne(run: RunningPoll, target: PollTarget): Promise<PollEnd> {
  const { deployment } = target;
  const label = `${deployment.key} ${deployment.app}${deployment.version ? ` ${deployment.version}` : ''} -> ${deployment.env}`;
  try {
    return await pollUntilEnd(run, target, label);
  } catch (error) {
    if (!(error instanceof LeaseLost)) throw error;
    run.board.finish(deployment.id, label, 'taken over by another follower');
    return { kind: 'lost' };
  }
}

async function pollUntilEnd(run: RunningPoll, { deployment, probe }: PollTarget, label: string): Promise<PollEnd> {
  const { tracker, settings, board } = run;
  const { id } = deployment;
  const since = Date.parse(deployment.startedAt ?? deployment.createdAt);
  board.add(id, label, `polling ${probe.service}`, since);
  let last: RemoteState | undefined;
  let failures = 0;
  // The first polls of many deployments are spread a little so they do not all leave at once.
  let wait = Math.random() * settings.intervalMs * settings.backoff.jitter;
  for (;;) {
    await pause(Math.min(wait, timeLeft(run.deadline)), run.signal);
    if (run.signal.aborted) return { kind: 'interrupted' };
    // Throws once the heartbeat has found that another follower took the lease while this one waited.
    tracker.held(id);
    const remaining = timeLeft(run.deadline);
    if (remaining <= 0) return expire(run, deployment, label, probe, last);
    let state: RemoteState;
    try {
      state = await run.limiter.run(() => probe.read({ signal: run.signal, timeoutMs: Math.min(settings.requestTimeoutMs, remaining) }), run.signal);
    } catch (error) {
      if (run.signal.aborted) return { kind: 'interrupted' };
      if (!(error instanceof TransientFailure)) {
        if (error instanceof Error) await tracker.note(id, `polling stopped: ${error.message}`);
        if (!(run.skipRefused && error instanceof ShiplogError && error.exitCode === ExitCode.environment)) throw error;
        board.finish(id, label, unfollowableOutcome(tracker.get(id) ?? deployment, error));
        return { kind: 'refused', error };
      }
      failures += 1;
      wait = retryDelayMs(failures, settings.backoff, error.retryAfterMs, timeLeft(run.deadline));
      const remark = `${probe.service} ${error.reason}; retry ${failures} in ${formatDuration(wait)}`;
      await tracker.note(id, remark);
      board.aside(id, remark);
      continue;
    }
    failures = 0;
    wait = jittered(settings.intervalMs, settings.backoff.jitter);
    const to = finalStatusFor(state);
    if (to) return settle(run, deployment, label, probe, state, to);
    if (state.remote !== last?.remote || state.description !== last.description) {
      await tracker.note(id, remoteLine(probe, state));
      board.update(id, label, remoteLine(probe, state), since);
    }
    last = state;
  }
}

/** The shiplog status a remote state ends in; undefined while it is still running or not understood. */
function finalStatusFor(state: RemoteState): Status | undefined {
  if (state.meaning === 'success' || state.meaning === 'failed' || state.meaning === 'cancelled') return state.meaning;
  return undefined;
}

function remoteLine(probe: StatusProbe, state: RemoteState): string {
  if (state.meaning === 'unknown') return `${probe.service} says '${state.remote}', which is unknown (${state.description}); still polling, never taken for success`;
  return `${probe.service} says ${state.remote} (${state.description})`;
}

async function settle(run: RunningPoll, deployment: Deployment, label: string, probe: StatusProbe, state: RemoteState, to: Status): Promise<PollEnd> {
  const detail = `${probe.service} says ${state.remote}`;
  const error = to === 'success' ? undefined : `${probe.service} reported '${state.remote}' (${state.description})`;
  const status = await run.tracker.settle(deployment.id, { to, detail, error });
  const note = status === to ? '' : ` (another writer set it before ${to} could be recorded)`;
  run.board.finish(deployment.id, label, `${status}${note}, ${detail}`);
  return { kind: 'settled', status };
}

/**
 * The time limit passed: a running record becomes `timeout`, which a later poll can still resolve. One that was
 * already unresolved (a timeout polled again, a stale record) keeps its status and gets a note.
 */
async function expire(run: RunningPoll, deployment: Deployment, label: string, probe: StatusProbe, last: RemoteState | undefined): Promise<PollEnd> {
  const current = run.tracker.held(deployment.id).status;
  const lastWord = last ? `${probe.service} last said ${last.remote}` : `no answer read from ${probe.service}`;
  let status = current;
  if (canTransition(current, 'timeout')) {
    status = await run.tracker.settle(deployment.id, { to: 'timeout', detail: `no final status in time; ${lastWord}` });
  } else {
    await run.tracker.note(deployment.id, `still ${current} at the time limit; ${lastWord}`);
  }
  run.board.finish(deployment.id, label, `${status}, ${lastWord}`);
  return { kind: 'settled', status };
}

function timeLeft(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/** Node's timers hold at most this many milliseconds; a longer Retry-After is waited out in the next round. */
const longestTimerMs = 2 ** 31 - 1;

/** Waits, or stops waiting as soon as the signal aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(Math.min(ms, longestTimerMs), undefined, { signal }).catch(() => undefined);
}
