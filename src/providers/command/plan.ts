import { setTimeout as delay } from 'node:timers/promises';
import { interruptedBy } from '../../interrupt.js';
import type { Status } from '../../lifecycle.js';
import type { Output } from '../../output.js';
import type { DeployPlan } from '../provider.js';
import { commandOutcome, endedLikeGroupSignal } from './outcome.js';
import { requireExecutable, runCommand, type RunningCommand } from './run-command.js';

/** How long a command that died of a group's signal waits for shiplog's own copy of it; it comes in milliseconds. */
const groupSignalGraceMs = 1_000;

/**
 * `deploy -- COMMAND ARGS…`: the command is the deployment. It starts when the record is written, and its
 * exit status is the outcome. In --json mode its output goes to stderr, so stdout stays one JSON document.
 */
export function commandPlan(argv: readonly string[], out: Output, timeoutMs: number | undefined): DeployPlan {
  requireExecutable(argv[0]!);
  let running: RunningCommand | undefined;
  return {
    provider: 'command',
    target: { command: argv[0] },
    initialStatus: 'pending',
    source: 'command',
    async start() {
      running = runCommand(argv, { stdout: commandStdout(out), stderr: process.stderr, timeoutMs });
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

function commandStdout(out: Output): NodeJS.WritableStream {
  return out.json ? process.stderr : process.stdout;
}
