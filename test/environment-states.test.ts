import { afterAll, beforeAll, expect, it } from 'vitest';
import { listEnvironmentStates, type EnvironmentState } from '../src/db/deployments.js';
import { openStore } from '../src/db/store.js';
import { toDeployment } from '../src/deployment.js';
import type { Status } from '../src/lifecycle.js';
import { insertHistory, type HistoryRow } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const apps = ['api', 'api-v2', 'apiv2', 'web', 'Web', 'worker'];
const envs = ['prod', 'prod-eu', 'staging', 'dev'];
const settled: Status[] = ['success', 'success', 'failed', 'cancelled', 'timeout', 'stale'];

/** What status should say, worked out the long way: from every record, one pair at a time. */
function expectedStates(all: ReturnType<typeof toDeployment>[], filter: { app?: string; env?: string }): EnvironmentState[] {
  const byPair = new Map<string, EnvironmentState>();
  for (const d of [...all].sort((a, b) => a.id - b.id)) {
    if ((filter.app !== undefined && d.app !== filter.app) || (filter.env !== undefined && d.env !== filter.env)) continue;
    const name = JSON.stringify([d.app, d.env]);
    const state = byPair.get(name) ?? { app: d.app, env: d.env, current: null, open: [] };
    if (d.status === 'success') state.current = d;
    if (['pending', 'running', 'timeout', 'stale'].includes(d.status)) state.open.push(d);
    byPair.set(name, state);
  }
  const shown = [...byPair.values()].filter((state) => state.current !== null || state.open.length > 0);
  return shown.sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : a.env < b.env ? -1 : a.env > b.env ? 1 : 0));
}

describeEachStore('status on %s, against every record read one by one', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(kind);
    // A fixed pseudo-random history: successes and failures interleaved across pairs, so a pair's last success
    // is rarely its last record, and its records are far apart in id order.
    let seed = 7;
    const next = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
    const start = Date.parse('2026-10-01T00:00:00Z');
    const rows: HistoryRow[] = Array.from({ length: 600 }, (_, i) => ({
      app: apps[next(apps.length)],
      env: envs[next(envs.length)],
      version: `1.0.${i}`,
      status: settled[next(settled.length)]!,
      createdAt: new Date(start + i * 60_000),
    }));
    // A pair that never succeeded is not listed; one whose only record is still running is, with no current.
    rows.push({ app: 'ghost', env: 'prod', status: 'failed', createdAt: new Date(start) }, { app: 'ghost', env: 'prod', status: 'cancelled', createdAt: new Date(start) });
    rows.push({ app: 'new', env: 'dev', status: 'running', createdAt: new Date(start) }, { app: 'web', env: 'prod', status: 'pending', createdAt: new Date(start) });
    await insertHistory(store.spec, rows);
  });
  afterAll(async () => store.cleanup());

  it.each([{}, { app: 'api' }, { env: 'prod' }, { app: 'web', env: 'staging' }, { app: 'ghost' }, { app: 'new' }, { app: 'nobody' }])(
    'the last success and the open records of each app and environment, filtered by %j',
    async (filter) => {
      const opened = await openStore(store.spec, 'read');
      try {
        const [states, all] = await opened.read(async (tx) => [
          await listEnvironmentStates(tx, filter),
          (await tx.selectFrom('deployments').selectAll().execute()).map(toDeployment),
        ]);
        expect(states).toEqual(expectedStates(all, filter));
        if (Object.keys(filter).length === 0) expect(states.length).toBeGreaterThan(apps.length * envs.length - 2);
      } finally {
        await opened.close();
      }
    },
  );
});
