import type { Outcome } from '../../tracker.js';

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

function withTail(summary: string, tail: string): string {
  const trimmed = tail.trimEnd();
  return trimmed.length > 0 ? `${summary}\n${trimmed}` : summary;
}
