import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { insertHistory } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('history says what its limit left out, on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(kind);
    const start = Date.parse('2026-11-01T00:00:00Z');
    await insertHistory(
      store.spec,
      Array.from({ length: 26 }, (_, i) => ({ app: i % 2 === 0 ? 'web' : 'api', status: 'success' as const, createdAt: new Date(start + i * 60_000) })),
    );
  });
  afterAll(async () => store.cleanup());

  it('the default 20 of 26 are shown, and stderr says so and how to see more', async () => {
    const result = await runCli(['--db', store.spec, 'history']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1 + 20);
    expect(result.stderr).toBe('20 of 26 shown; --limit N or --all for more\n');
  });

  it('with --json stdout stays the plain list; the note is on stderr only', async () => {
    const { result, json } = await runCliJson<DeploymentJson[]>(['--db', store.spec, 'history', '--limit', '5', '--app', 'web']);

    expect(result.code, result.stderr).toBe(0);
    expect(Array.isArray(json)).toBe(true);
    expect(json).toHaveLength(5);
    expect(result.stderr).toBe('5 of 13 shown; --limit N or --all for more\n');
  });

  it('--all shows every one, and a limit that cuts nothing says nothing', async () => {
    const all = await runCliJson<DeploymentJson[]>(['--db', store.spec, 'history', '--all']);
    const enough = await runCli(['--db', store.spec, 'history', '--limit', '26']);

    expect(all.json).toHaveLength(26);
    expect(all.result.stderr).toBe('');
    expect(enough.code, enough.stderr).toBe(0);
    expect(enough.stderr).toBe('');
  });

  it('--all and --limit together are refused', async () => {
    const result = await runCli(['--db', store.spec, 'history', '--all', '--limit', '5']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/give --limit N or --all, not both/);
  });
});
