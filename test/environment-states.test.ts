import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { toDeployment } from '../src/db/deployment-rows.js';
import { listEnvironmentStates, listShownEnvironmentStates, type EnvironmentState, type ShownDeployment } from '../src/db/deployments.js';
import { importDeployments } from '../src/db/import-deployments.js';
import { migrations } from '../src/db/migrations.js';
import { openStore } from '../src/db/open-store.js';
import { applyTransition } from '../src/db/transition.js';
import type { Deployment } from '../src/deployment/deployment.js';
import type { ImportedDeployment } from '../src/deployment/imported.js';
import type { Status } from '../src/deployment/lifecycle.js';
import { cleanup } from '../src/repair/cleanup.js';
import { days, insertHistory, type HistoryRow } from './support/history-rows.js';
import { createSchemaThrough } from './support/older-schema.js';
import { execSql } from './support/snapshot.js';
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

/**
 * A fixed pseudo-random history: successes and failures interleaved across pairs, so a pair's last success is rarely
 * its last record, and its records are far apart in id order.
 */
function mixedHistory(count: number, start: number): HistoryRow[] {
  let seed = 7;
  const next = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
  return Array.from({ length: count }, (_, i) => ({
    app: apps[next(apps.length)],
    env: envs[next(envs.length)],
    version: `1.0.${i}`,
    status: settled[next(settled.length)]!,
    createdAt: new Date(start + i * 60_000),
  }));
}

function shownOf({ id, key, app, env, version, image, commitSha, status, operator, createdAt, completedAt }: Deployment): ShownDeployment {
  return { id, key, app, env, version, image, commitSha, status, operator, createdAt, completedAt };
}

/** Reads status and every record in one transaction of a freshly opened store, and compares them for each filter. */
async function expectStatusFromEveryRecord(spec: string, filters: { app?: string; env?: string }[]): Promise<EnvironmentState[]> {
  const opened = await openStore(spec, 'read');
  try {
    const all = await opened.read(async (tx) => (await tx.selectFrom('deployments').selectAll().execute()).map(toDeployment));
    for (const filter of filters) {
      const expected = expectedStates(all, filter);
      expect(await opened.read((tx) => listEnvironmentStates(tx, opened.dialect.kind, filter)), JSON.stringify(filter)).toEqual(expected);
      // What a terminal's table reads: the same records, each with only the columns it shows.
      const shown = expected.map((state) => ({ ...state, current: state.current && shownOf(state.current), open: state.open.map(shownOf) }));
      expect(await opened.read((tx) => listShownEnvironmentStates(tx, opened.dialect.kind, filter)), JSON.stringify(filter)).toEqual(shown);
    }
    return await opened.read((tx) => listEnvironmentStates(tx, opened.dialect.kind, {}));
  } finally {
    await opened.close();
  }
}

describeEachStore('status on %s, against every record read one by one', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore(kind);
    const start = Date.parse('2026-10-01T00:00:00Z');
    const rows = mixedHistory(600, start);
    // A pair that never succeeded is not listed; one whose only record is still running is, with no current.
    rows.push({ app: 'ghost', env: 'prod', status: 'failed', createdAt: new Date(start) }, { app: 'ghost', env: 'prod', status: 'cancelled', createdAt: new Date(start) });
    rows.push({ app: 'new', env: 'dev', status: 'running', createdAt: new Date(start) }, { app: 'web', env: 'prod', status: 'pending', createdAt: new Date(start) });
    await insertHistory(store.spec, rows);
  });
  afterAll(async () => store.cleanup());

  it.each([{}, { app: 'api' }, { env: 'prod' }, { app: 'web', env: 'staging' }, { app: 'ghost' }, { app: 'new' }, { app: 'nobody' }])(
    'the last success and the open records of each app and environment, filtered by %j',
    async (filter) => {
      const states = await expectStatusFromEveryRecord(store.spec, [filter]);
      expect(states.length).toBeGreaterThan(apps.length * envs.length - 2);
    },
  );
});

describeEachStore('status on %s, with every column of its records filled with awkward text', (kind) => {
  let store: TestStore;
  beforeAll(async () => (store = await createTestStore(kind)));
  afterAll(async () => store.cleanup());

  // PostgreSQL sends status's records as one JSON document: each value must come back exactly as a plain read gives it.
  it('reads each record as a plain read of it does', async () => {
    const awkward = 'q"uote\\back\nline\ttab \u0001\u001f \u2028 é 漢字 😀 </script>';
    const [success, running] = await insertHistory(store.spec, [
      { app: 'odd', env: 'prod', status: 'success', version: awkward, commitSha: `${'f'.repeat(40)}`, target: { command: awkward, nested: { list: [1, null, 'x'] } }, createdAt: new Date('2026-10-01T00:00:00.123Z'), startedAt: new Date('2026-10-01T00:00:01Z'), completedAt: new Date('2026-10-01T00:01:00Z'), idempotencyKey: awkward },
      { app: 'odd', env: 'prod', status: 'running', version: null, commitSha: null, target: null, createdAt: new Date('2026-10-02T00:00:00Z'), leaseOwner: awkward },
    ]);
    await execSql(store, 'update deployments set operator = ?, message = ?, error = ?, image = ?, repo = ?, ci_run_url = ?, rollback_of = ?, rolled_back_by = ? where id = ?', [
      ...Array.from({ length: 6 }, () => awkward),
      running,
      running,
      success,
    ]);
    const [state] = await expectStatusFromEveryRecord(store.spec, [{ app: 'odd' }]);
    expect(state).toMatchObject({ current: { id: success, version: awkward, operator: awkward, message: awkward, target: { command: awkward }, rollbackOf: running, rolledBackBy: running }, open: [{ id: running, version: null }] });
  });
});

describeEachStore('status on %s, as shiplog changes the history', (kind) => {
  const filters = [{}, { app: 'api' }, { env: 'prod' }, { app: 'merged' }, { app: 'web', env: 'staging' }];
  const start = Date.parse('2026-09-01T00:00:00Z');
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
    await insertHistory(store.spec, mixedHistory(300, start));
  });
  afterEach(async () => store.cleanup());

  const transition = async (id: number, to: Status) => {
    const opened = await openStore(store.spec);
    try {
      expect(await opened.write((tx) => applyTransition(tx, { id, from: 'running', to, source: 'cli' }))).toBe(true);
    } finally {
      await opened.close();
    }
  };
  const cleanupApplying = async (request: Partial<Parameters<typeof cleanup>[1]>) => {
    const opened = await openStore(store.spec);
    try {
      return await cleanup(opened, { duplicates: null, stale: null, prune: null, apply: true, backupPath: join(store.dir, `backup-${Date.now()}.db`), ...request }, { duplicateGroup() {}, prunable() {} });
    } finally {
      await opened.close();
    }
  };
  const current = (states: EnvironmentState[], app: string, env: string) => states.find((s) => s.app === app && s.env === env)?.current?.id ?? null;

  it('a running deployment finished as success becomes its pair\'s current; one that fails changes nothing', async () => {
    const [succeeding, failing] = await insertHistory(store.spec, [
      { app: 'api', env: 'prod', status: 'running', createdAt: new Date() },
      { app: 'api', env: 'staging', status: 'running', createdAt: new Date() },
    ]);
    const before = await expectStatusFromEveryRecord(store.spec, filters);

    await transition(succeeding!, 'success');
    await transition(failing!, 'failed');

    const after = await expectStatusFromEveryRecord(store.spec, filters);
    expect(current(after, 'api', 'prod')).toBe(succeeding);
    expect(current(after, 'api', 'staging')).toBe(current(before, 'api', 'staging'));
  });

  it('a cleanup merge that deletes a pair\'s last success falls back to the success before it, or to none', async () => {
    const at = (minute: number) => new Date(start - days(1) + minute * 60_000);
    // The success and a failed copy of it written 5 s later: the copy, as final and newer, is kept.
    const ids = await insertHistory(store.spec, [
      { app: 'merged', env: 'prod', status: 'success', version: '2.0.0', commitSha: 'aaaa', createdAt: at(0) },
      { app: 'merged', env: 'prod', status: 'success', version: '2.0.1', commitSha: 'bbbb', createdAt: at(10) },
      { app: 'merged', env: 'prod', status: 'failed', version: '2.0.1', commitSha: 'bbbb', createdAt: new Date(at(10).getTime() + 5_000) },
      { app: 'merged', env: 'dev', status: 'success', version: '2.0.1', commitSha: 'bbbb', createdAt: at(10) },
      { app: 'merged', env: 'dev', status: 'failed', version: '2.0.1', commitSha: 'bbbb', createdAt: new Date(at(10).getTime() + 5_000) },
    ]);
    expect(current(await expectStatusFromEveryRecord(store.spec, filters), 'merged', 'prod')).toBe(ids[1]);

    const report = await cleanupApplying({ duplicates: { windowMs: 60_000 } });

    expect(report.duplicates?.records).toBe(2);
    const after = await expectStatusFromEveryRecord(store.spec, filters);
    expect(current(after, 'merged', 'prod')).toBe(ids[0]);
    expect(after.some((s) => s.app === 'merged' && s.env === 'dev')).toBe(false);
  });

  it('pruning old records and marking abandoned ones stale keeps every pair\'s last success', async () => {
    await insertHistory(store.spec, [{ app: 'web', env: 'staging', status: 'running', createdAt: new Date(start) }]);
    const before = await expectStatusFromEveryRecord(store.spec, filters);

    const report = await cleanupApplying({ stale: { olderThanMs: days(1), reconcile: false, kube: {} }, prune: { olderThanMs: days(1), keep: 1 } });

    expect(report.prune?.records).toBeGreaterThan(150);
    expect(report.stale?.records.length).toBe(1);
    const after = await expectStatusFromEveryRecord(store.spec, filters);
    expect(after.map((s) => [s.app, s.env, s.current?.id])).toEqual(before.map((s) => [s.app, s.env, s.current?.id]));
  });

  it('an import\'s successes become their pairs\' current, a new pair\'s included', async () => {
    const imported = (sourceKey: string, app: string, env: string, status: ImportedDeployment['status']): ImportedDeployment => ({
      sourceKey,
      app,
      env,
      status,
      version: sourceKey,
      commitSha: null,
      repo: null,
      image: null,
      provider: 'manual',
      target: null,
      isRollback: false,
      operator: null,
      message: null,
      error: null,
      createdAt: new Date(start - days(2)).toISOString(),
      startedAt: null,
      completedAt: null,
      rollbackOfSource: null,
      rolledBackBySource: null,
    });
    const opened = await openStore(store.spec);
    try {
      const outcome = await opened.write((tx) =>
        importDeployments(tx, 'klepaas', [
          imported('k1', 'api', 'prod', 'success'),
          imported('k2', 'api', 'prod', 'failed'),
          imported('k3', 'imported', 'prod', 'success'),
          imported('k4', 'imported', 'prod', 'stale'),
          imported('k5', 'api', 'dev', 'cancelled'),
        ]),
      );
      expect(outcome.imported).toBe(5);
    } finally {
      await opened.close();
    }

    const after = await expectStatusFromEveryRecord(store.spec, [...filters, { app: 'imported' }]);
    expect(after.find((s) => s.app === 'api' && s.env === 'prod')?.current?.version).toBe('k1');
    expect(after.find((s) => s.app === 'imported')).toMatchObject({ current: { version: 'k3' }, open: [{ version: 'k4' }] });
  });

  it('a success changed or deleted by hand, as no shiplog command does, still leaves each pair its last success', async () => {
    const before = await expectStatusFromEveryRecord(store.spec, filters);
    const last = (app: string, env: string) => before.find((s) => s.app === app && s.env === env)!.current!.id;

    await execSql(store, `update deployments set status = 'failed' where id = ${last('api', 'prod')}`);
    await execSql(store, `update deployments set app = 'moved' where id = ${last('web', 'staging')}`);
    await execSql(store, `update deployments set env = 'prod' where id = ${last('worker', 'dev')}`);
    await execSql(store, `delete from deployment_events where deployment_id = ${last('api', 'dev')}`);
    await execSql(store, `delete from deployments where id = ${last('api', 'dev')}`);
    await execSql(store, `delete from deployment_events where deployment_id in (select id from deployments where app = 'Web' and env = 'prod')`);
    await execSql(store, `delete from deployments where app = 'Web' and env = 'prod'`);

    const after = await expectStatusFromEveryRecord(store.spec, [...filters, { app: 'moved' }, { app: 'worker' }]);
    expect(current(after, 'moved', 'staging')).toBe(last('web', 'staging'));
    expect(current(after, 'api', 'prod')).not.toBe(last('api', 'prod'));
    expect(after.some((s) => s.app === 'Web' && s.env === 'prod')).toBe(false);
  });
});

describeEachStore('a store on %s written before last_successes existed', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('gets each pair\'s last success when shiplog opens it', async () => {
    const earlier = migrations.slice(0, migrations.findIndex((migration) => migration.name === '005_last_successes'));
    expect(earlier.map((migration) => migration.name).at(-1)).toBe('004_merged_deployments');
    await createSchemaThrough(store.spec, earlier.at(-1)!.name);
    const old = await openStore(store.spec, 'as-is');
    try {
      await old.write(async (tx) => {
        for (const row of mixedHistory(400, Date.parse('2026-10-01T00:00:00Z'))) {
          await tx
            .insertInto('deployments')
            .values({
              key: `dep_OLD${row.version}`,
              app: row.app!,
              env: row.env!,
              version: row.version!,
              commit_sha: null,
              repo: null,
              image: null,
              provider: 'manual',
              target: null,
              status: row.status,
              is_rollback: 0,
              rollback_of: null,
              rolled_back_by: null,
              operator: null,
              message: null,
              ci_run_url: null,
              idempotency_key: null,
              created_at: row.createdAt.toISOString(),
              started_at: null,
              completed_at: null,
              error: null,
              lease_owner: null,
              heartbeat_at: null,
            })
            .execute();
        }
      });
    } finally {
      await old.close();
    }

    const states = await expectStatusFromEveryRecord(store.spec, [{}, { app: 'api' }, { env: 'prod' }]);

    expect(states.filter((state) => state.current !== null).length).toBeGreaterThan(apps.length * envs.length - 2);
  });
});
