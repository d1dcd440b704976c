import { afterAll, beforeAll, expect, it } from 'vitest';
import { historyCountLimit } from '../src/db/deployments.js';
import { openStore } from '../src/db/open-store.js';
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

describeEachStore('history counts a long history only as far as it needs to, on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(kind);
    await insertHistory(store.spec, [{ app: 'seed', status: 'success', createdAt: new Date('2026-11-01T00:00:00Z') }]);
    // Many rows a statement: the count's limit is a thousand and one matches, and one app stops exactly at it.
    const opened = await openStore(store.spec);
    try {
      await opened.write(async (tx) => {
        const rows = [
          ...Array.from({ length: historyCountLimit + 1 }, (_, i) => ({ app: 'busy', i })),
          ...Array.from({ length: historyCountLimit }, (_, i) => ({ app: 'full', i })),
        ].map(({ app, i }) => ({
          key: `dep_${app}${String(i).padStart(6, '0')}`,
          app,
          env: 'prod',
          provider: 'command' as const,
          status: 'success' as const,
          is_rollback: 0,
          created_at: new Date(Date.parse('2026-11-02T00:00:00Z') + i * 1000).toISOString(),
        }));
        for (let start = 0; start < rows.length; start += 250) await tx.insertInto('deployments').values(rows.slice(start, start + 250)).execute();
      });
    } finally {
      await opened.close();
    }
  });
  afterAll(async () => store.cleanup());

  it('past the limit it says "more than", without counting every match', async () => {
    const result = await runCli(['--db', store.spec, 'history', '--app', 'busy']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`20 of more than ${historyCountLimit} shown; --limit N or --all for more\n`);
  });

  it('up to the limit the count is exact', async () => {
    const result = await runCli(['--db', store.spec, 'history', '--app', 'full', '--limit', '5']);

    expect(result.stderr).toBe(`5 of ${historyCountLimit} shown; --limit N or --all for more\n`);
  });

  it('--all lists every match, past the limit too', async () => {
    const all = await runCliJson<DeploymentJson[]>(['--db', store.spec, 'history', '--all', '--app', 'busy']);

    expect(all.json).toHaveLength(historyCountLimit + 1);
    expect(all.result.stderr).toBe('');
  });

  it('--all as a table prints every record newest first under one header, however many pages it is read in', async () => {
    const result = await runCli(['--db', store.spec, 'history', '--all']);

    const lines = result.stdout.trimEnd().split('\n');
    expect(result.code, result.stderr).toBe(0);
    expect(lines.filter((line) => line.startsWith('ID '))).toHaveLength(1);
    expect(lines).toHaveLength(1 + 2 * historyCountLimit + 2);
    const keys = lines.slice(1).map((line) => line.split(/\s+/)[1]!);
    expect(new Set(keys).size).toBe(keys.length);
    // Same times in both apps: the one written later (higher id) comes first.
    const at = (i: number) => String(i).padStart(6, '0');
    expect(keys.slice(0, 3)).toEqual([`dep_busy${at(historyCountLimit)}`, `dep_full${at(historyCountLimit - 1)}`, `dep_busy${at(historyCountLimit - 1)}`]);
    expect(keys.at(-1)).toMatch(/^dep_ROW/);
  });
});
