import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { ago, days, insertHistory } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('report --html grid on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('counts every record left open in a cell and details only the newest five', async () => {
    const stale = Array.from({ length: 12 }, (_, n) => ({ status: 'stale' as const, version: `0.${n}`, createdAt: ago(days(20 - n)), completedAt: null }));
    const ids = await insertHistory(store.spec, [{ status: 'success', createdAt: ago(days(30)), completedAt: ago(days(30)) }, ...stale]);
    const file = join(store.dir, 'report.html');

    const made = await runCli(['--db', store.spec, 'report', '--html', file, '--since', '1d']);

    expect(made.code, made.stderr).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page).toContain('⚠ 12 unresolved');
    expect(page).toContain('and 7 more');
    const detailed = [...page.matchAll(/<article class="detail" id="d-(\d+)"/g)].map((m) => Number(m[1]));
    expect(detailed).toEqual(ids.slice(-5));
  });
});
