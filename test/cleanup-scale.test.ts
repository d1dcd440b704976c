import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson } from './support/cli.js';
import { duplicateHistory } from './support/duplicate-history.js';
import { execSql } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const records = 100_000;
const duplicates = 10_000;

describeEachStore('cleanup at scale on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('merges 10,000 duplicates in a history of 100,000 records', async () => {
    const created = await runCli(['--db', store.spec, 'doctor', '--fix']);
    expect(created.code, created.stderr).toBe(0);
    for (const statement of duplicateHistory(kind, records, duplicates)) await execSql(store, statement);

    const { result, json } = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--duplicates', '--apply'], { timeoutMs: 120_000 });

    expect(result.code, result.stderr).toBe(0);
    expect(json.duplicates).toMatchObject({ records: duplicates, eventsMoved: duplicates });
    expect(json.duplicates!.groups.every((group) => group.kept.status === 'success' && group.duplicates[0]!.status === 'stale')).toBe(true);
  }, 180_000);
});
