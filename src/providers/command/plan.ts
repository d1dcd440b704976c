import { interruptedBy } from '../../interrupt.js';
import type { Status } from '../../lifecycle.js';
import type { Output } from '../../output.js';
import type { DeployPlan } from '../provider.js';
import { commandOutcome } from './outcome.js';
import { requireExecutable, runCommand, type RunningCommand } from './run-command.js';

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
      // A Ctrl-C in a terminal reaches the command too, which may die of it before shiplog forwards anything:
      // once shiplog itself was signalled, the outcome is cancelled however the command died.
      return tracker.settle(deployment.id, commandOutcome({ ...exit, interruptedBy: exit.interruptedBy ?? interruptedBy(signal) }));
    },
  };
}

function commandStdout(out: Output): NodeJS.WritableStream {
  return out.json ? process.stderr : process.stdout;
}
