import { constants } from 'node:os';
import type { Outcome } from '../../tracking/tracker.js';

/** How a deploy command ended, as seen by the process that ran it. */
export interface CommandExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The signal shiplog itself received and forwarded, if any. */
  interruptedBy: NodeJS.Signals | null;
  /** Whether shiplog stopped the command because its --timeout ran out. */
  timedOut: boolean;
  timeoutMs?: number;
  /** The last lines the command printed. */
  tail: string;
}

/** What a command's exit means for the deployment: pure, so every case is table-tested. */
export function commandOutcome(exit: CommandExit): Outcome {
  if (exit.timedOut) {
    const limit = exit.timeoutMs === undefined ? '' : ` after ${Math.round(exit.timeoutMs / 1000)}s`;
    return { to: 'failed', detail: `timed out${limit}; shiplog stopped the command`, error: withTail(`timed out${limit}; shiplog stopped the command`, exit.tail) };
  }
  if (exit.exitCode === 0) return { to: 'success', detail: 'command exited 0' };
  if (exit.interruptedBy !== null) {
    return { to: 'cancelled', detail: `interrupted by ${exit.interruptedBy}`, error: withTail(`interrupted by ${exit.interruptedBy}`, exit.tail) };
  }
  const how = exit.signal !== null ? `command killed by ${exit.signal}` : `command exited ${exit.exitCode}`;
  return { to: 'failed', detail: how, error: withTail(how, exit.tail) };
}

/** The signals a terminal's Ctrl-C, a CI cancel or a closed session send to a whole process group. */
const groupStopSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Whether the command ended the way a signal sent to shiplog's whole process group ends it (killed by SIGINT,
 * SIGTERM or SIGHUP, or exiting 128 + that signal's number, as shells and most tools do): then shiplog may be
 * about to get the same signal, and only a moment later than the command did.
 */
export function endedLikeGroupSignal(exit: Pick<CommandExit, 'exitCode' | 'signal'>): boolean {
  if (exit.signal !== null) return groupStopSignals.includes(exit.signal);
  return exit.exitCode !== null && groupStopSignals.some((signal) => exit.exitCode === 128 + constants.signals[signal]);
}

function withTail(summary: string, tail: string): string {
  const trimmed = tail.trimEnd();
  return trimmed.length > 0 ? `${summary}\n${trimmed}` : summary;
}
