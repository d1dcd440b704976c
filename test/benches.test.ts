import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, inject, it } from 'vitest';
import { cliEnv } from './support/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Every bench in the folder, so one added later is run here without a word changed in this file. */
const benches = readdirSync(new URL('../bench/', import.meta.url)).filter((name) => name.endsWith('.bench.ts')).sort();

/** Runs one bench as `npm run bench -- FILE` runs it (after the build `npm test` made), in smoke mode. */
function runBench(file: string): Promise<{ code: number | null; output: string }> {
  // The run's PostgreSQL server, or none: then the bench skips its PostgreSQL half and says so.
  const env = cliEnv({ SHIPLOG_BENCH_SMOKE: '1', SHIPLOG_BENCH_PG_URL: inject('postgresUrl') });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('finds the benches', () => {
  expect(benches).toEqual(expect.arrayContaining(['store.bench.ts', 'track.bench.ts', 'poll.bench.ts', 'cleanup.bench.ts', 'report.bench.ts']));
});

// Seconds on a quiet machine (~13 s for the five); the store bench's 40-odd CLI runs took 30 s at a load average of 63.
const benchTimeoutMs = 120_000;

it.each(benches)(
  'bench/%s runs to its end in smoke mode',
  async (file) => {
    const { code, output } = await runBench(file);
    expect(code, output).toBe(0);
  },
  benchTimeoutMs,
);
