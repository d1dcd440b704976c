import { setTimeout as delay } from 'node:timers/promises';
import type { Status } from '../../deployment/lifecycle.js';
import { nodeStandardStream } from '../../terminal/standard-stream.js';
import { interruptedBy } from '../../tracking/interrupt.js';
import type { DeployPlan } from '../provider.js';
import { commandOutcome, endedLikeGroupSignal } from './outcome.js';
import { requireExecutable, runCommand, type RunningCommand } from './run-command.js';

/** How long a command that died of a group's signal waits for shiplog's own copy of it; it comes in milliseconds. */
const groupSignalGraceMs = 1_000;

/**
 * `deploy -- COMMAND ARGS…`: the command is the deployment. It starts when the record is written, and its
 * exit status is the outcome. Its output is the deployment's progress and goes to stderr, so stdout holds only
 * shiplog's answer (the key, the outcome line or the record) for a script to capture.
 */
export function commandPlan(argv: readonly string[], timeoutMs: number | undefined): DeployPlan {
  requireExecutable(argv[0]!);
  let running: RunningCommand | undefined;
  return {
    provider: 'command',
    target: { command: argv[0] },
    initialStatus: 'pending',
    source: 'command',
    async start() {
      running = runCommand(argv, { stdout: nodeStandardStream(2), stderr: nodeStandardStream(2), timeoutMs });
      return {};
    },
    async follow(tracker, deployment, { signal }): Promise<Status> {
      const exit = await running!.exited;
      // A Ctrl-C in a terminal reaches the command too, which may die of it before shiplog has seen its own copy:
      // wait a moment for that copy, since once shiplog itself was signalled the outcome is cancelled however the
      // command died.
      if (exit.interruptedBy === null && !exit.timedOut && endedLikeGroupSignal(exit)) await delay(groupSignalGraceMs, undefined, { signal }).catch(() => undefined);
      return tracker.settle(deployment.id, commandOutcome({ ...exit, interruptedBy: exit.interruptedBy ?? interruptedBy(signal) }));
    },
  };
}
