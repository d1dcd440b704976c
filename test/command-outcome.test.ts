import { describe, expect, it } from 'vitest';
import { commandOutcome, endedLikeGroupSignal, type CommandExit } from '../src/providers/command/outcome.js';

const exit = (over: Partial<CommandExit>): CommandExit => ({ exitCode: 0, signal: null, interruptedBy: null, timedOut: false, tail: '', ...over });

describe('what a deploy command exit means', () => {
  it.each([
    ['exit 0', exit({}), 'success'],
    ['exit 1', exit({ exitCode: 1 }), 'failed'],
    ['exit 0 after an interrupt: the command finished anyway', exit({ interruptedBy: 'SIGINT' }), 'success'],
    ['exit 130 after SIGINT', exit({ exitCode: 130, interruptedBy: 'SIGINT' }), 'cancelled'],
    ['killed by the forwarded SIGTERM', exit({ exitCode: null, signal: 'SIGTERM', interruptedBy: 'SIGTERM' }), 'cancelled'],
    ['killed by a signal nobody sent through shiplog', exit({ exitCode: null, signal: 'SIGKILL' }), 'failed'],
    ['stopped at the time limit', exit({ exitCode: null, signal: 'SIGTERM', timedOut: true, timeoutMs: 5_000 }), 'failed'],
  ] as const)('%s → %s', (_name, given, status) => {
    expect(commandOutcome(given).to).toBe(status);
  });

  it('a failure keeps the tail of the output as its error', () => {
    const outcome = commandOutcome(exit({ exitCode: 2, tail: 'Error: UPGRADE FAILED: timed out' }));
    expect(outcome.error).toBe('command exited 2\nError: UPGRADE FAILED: timed out');
  });

  it('a success carries no error', () => {
    expect(commandOutcome(exit({ tail: 'all good' })).error).toBeUndefined();
  });

  it.each([
    ['killed by SIGINT', exit({ exitCode: null, signal: 'SIGINT' }), true],
    ['killed by SIGTERM', exit({ exitCode: null, signal: 'SIGTERM' }), true],
    ['killed by SIGHUP', exit({ exitCode: null, signal: 'SIGHUP' }), true],
    ['exit 130 (128 + SIGINT)', exit({ exitCode: 130 }), true],
    ['exit 143 (128 + SIGTERM)', exit({ exitCode: 143 }), true],
    ['killed by SIGKILL', exit({ exitCode: null, signal: 'SIGKILL' }), false],
    ['exit 1', exit({ exitCode: 1 }), false],
    ['exit 0', exit({}), false],
  ] as const)('a command %s may have died of the signal shiplog is about to get: %s', (_name, given, expected) => {
    expect(endedLikeGroupSignal(given)).toBe(expected);
  });
});
