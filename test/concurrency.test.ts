import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cliEnv, runCli, runCliJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const worker = fileURLToPath(new URL('./support/cycle-worker.mjs', import.meta.url));

/** Runs one cycle worker process to its end and returns its summary line. */
function runWorker(db: string, app: string, cycles: number): Promise<{ ok: number; errors: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, db, app, String(cycles)], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ ...(JSON.parse(last) as { ok: number; errors: string[] }), stderr });
      } catch {
        reject(new Error(`worker printed no summary:\n${stdout}\n${stderr}`));
      }
    });
  });
}

const load = { sqlite: { processes: 8, cycles: 50 }, postgres: { processes: 16, cycles: 50 } };

describeEachStore('many processes on one %s store', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const { processes, cycles } = load[kind];
  it(`${processes} processes × ${cycles} deploy→finish cycles on a fresh store: every record and event, no error`, async () => {
    const results = await Promise.all(Array.from({ length: processes }, (_, n) => runWorker(store.spec, `app${n}`, cycles)));
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.map((r) => r.stderr).join('')).not.toMatch(/shiplog:/);
    const { deployments, events } = await snapshot(store);
    expect(deployments).toHaveLength(processes * cycles);
    expect(deployments.every((d) => d.status === 'success')).toBe(true);
    expect(events).toHaveLength(processes * cycles * 2);
  }, 240_000);

  it('16 processes racing one --key record exactly one deployment and all print it', async () => {
    const args = ['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '9.9.9', '--key', 'release-42'];
    const runs = await Promise.all(Array.from({ length: 16 }, () => runCliJson(args)));
    expect(runs.map((r) => r.result.code)).toEqual(Array(16).fill(0));
    expect(new Set(runs.map((r) => r.json.id)).size).toBe(1);
    const { deployments, events } = await snapshot(store);
    expect(deployments).toHaveLength(1);
    expect(events).toHaveLength(1);
  }, 120_000);

  it('8 processes opening a fresh store at once all succeed and migrate it once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const fresh = await createTestStore(kind);
      try {
        const runs = await Promise.all(Array.from({ length: 8 }, (_, n) => runCli(['--db', fresh.spec, 'deploy', '--app', `a${n}`, '--env', 'e'])));
        expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
        expect(runs.map((r) => r.stderr).join('')).not.toMatch(/shiplog:/);
        expect((await snapshot(fresh)).deployments).toHaveLength(8);
      } finally {
        await fresh.cleanup();
      }
    }
  }, 120_000);
});
