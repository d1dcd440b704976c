import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv, type CliResult } from './support/cli.js';
import { insertHistory } from './support/history-rows.js';
import { createTestStore, type TestStore } from './support/stores.js';

const nonBlockingStdout = fileURLToPath(new URL('./support/nonblocking-stdout.cjs', import.meta.url));
const records = 10_000;

/** Runs `shiplog ARGS | READER` in bash (a pipe as a shell makes it) with pipefail: the exit code is shiplog's unless the reader's fails. */
function runInto(reader: string, nodeArgs: string[], args: string[]): Promise<CliResult> {
  const quoted = [process.execPath, ...nodeArgs, binPath, ...args].map((arg) => `'${arg}'`).join(' ');
  const child = spawn('bash', ['-c', `set -o pipefail; ${quoted} | ${reader}`], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** A reader that reads nothing for half a second, then everything: the pipe fills, and shiplog's writes wait or fail. */
const lateReader = '(sleep 0.5; cat)';

describe('stdout and stderr when they are pipes', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore('sqlite');
    const start = Date.parse('2026-11-01T00:00:00Z');
    await insertHistory(
      store.spec,
      Array.from({ length: records }, (_, i) => ({ app: `app-${i % 7}`, status: 'success' as const, createdAt: new Date(start + i * 1000) })),
    );
  }, 120_000);
  afterAll(async () => store.cleanup());

  it('a --json answer of 10,000 records arrives whole through a pipe read late', async () => {
    const result = await runInto(lateReader, [], ['--db', store.spec, '--json', 'history', '--all']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toHaveLength(records);
  });

  it('arrives whole through a pipe someone else made non-blocking, which takes part of it at a time', async () => {
    const result = await runInto(lateReader, ['--require', nonBlockingStdout], ['--db', store.spec, '--json', 'history', '--all']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toHaveLength(records);
  });

  for (const [title, nodeArgs] of [
    ['a pipe', []],
    ['a non-blocking pipe', ['--require', nonBlockingStdout]],
  ] as const) {
    it(`a reader that stops early (| head -1) on ${title} ends the output quietly, with the command's exit code`, async () => {
      const table = await runInto('head -1', [...nodeArgs], ['--db', store.spec, 'history', '--all']);
      const json = await runInto('head -1', [...nodeArgs], ['--db', store.spec, '--json', 'history', '--all']);

      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^ID +KEY +APP/);
      expect(table.stderr).toBe('');
      expect(json.code, json.stderr).toBe(0);
      expect(json.stdout).toBe('[\n');
      expect(json.stderr).toBe('');
    });
  }
});
