import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { sameInterruption } from '../../tracking/interrupt.js';
import type { CommandExit } from './outcome.js';
import { OutputTail } from './output-tail.js';

/** How long a command gets between SIGTERM and SIGKILL when shiplog has to stop it. */
const killGraceMs = 10_000;
const forwardedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Fails with a usage error unless `program` names an executable file, directly or on PATH. */
export function requireExecutable(program: string, env: NodeJS.ProcessEnv = process.env): void {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return;
      }
    } catch {
      // not this one; try the next directory
    }
  }
  throw new UsageError(`command not found: '${program}'; check the command after --, or its PATH`, 'command_not_found');
}

export interface RunningCommand {
  /** Resolves once the command has exited, however it ended. */
  exited: Promise<CommandExit>;
}

/**
 * Runs the deploy command without a shell, streaming its output live, and forwards the signals shiplog
 * receives so that Ctrl-C or a CI cancel stops the command and the record ends `cancelled`, not `running`.
 */
export function runCommand(argv: readonly string[], options: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; timeoutMs?: number }): RunningCommand {
  const [program, ...args] = argv as [string, ...string[]];
  const child = spawn(program, args, { stdio: ['inherit', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  let interruptedBy: NodeJS.Signals | null = null;
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = (signal: NodeJS.Signals) => {
    child.kill(signal);
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), killGraceMs);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // A copy of the first signal (sent to shiplog and to its process group) changes nothing; a later one means the
    // user wants it gone now.
    if (interruptedBy !== null && sameInterruption()) return;
    if (interruptedBy !== null) child.kill('SIGKILL');
    interruptedBy ??= signal;
    stop(signal);
  };
  for (const signal of forwardedSignals) process.on(signal, onSignal);
  const timeout = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    stop('SIGTERM');
  }, options.timeoutMs);

  child.stdout.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    options.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    options.stderr.write(chunk);
  });

  const exited = new Promise<CommandExit>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      for (const s of forwardedSignals) process.off(s, onSignal);
      resolve({ exitCode, signal, interruptedBy, timedOut, timeoutMs: options.timeoutMs, tail: tail.toString() });
    };
    child.on('error', (error) => {
      tail.push(`${error.message}\n`);
      finish(127, null);
    });
    child.on('close', finish);
  });
  return { exited };
}
