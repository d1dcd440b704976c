import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Store } from '../src/db/store.js';
import { mondayOfTime, oneOf, random, recordWrites, storePerTest } from './support/random-writes.js';
import { describeEachStore } from './support/stores.js';

/** What delivered_changes should hold, worked out in JavaScript from the whole history: the oracle the triggers are held to. */
interface Change {
  app: string;
  env: string;
  sha: string;
  deploymentId: number;
  createdAt: string;
  week: string;
  completedAt: string | null;
  committedAt: string | null;
  leadMs: number | null;
}

interface Row {
  id: number;
  app: string;
  env: string;
  status: string;
  is_rollback: number;
  commit_sha: string | null;
  created_at: string;
  completed_at: string | null;
}

async function expectedChanges(store: Store): Promise<Change[]> {
  const { deployments, commits } = await store.read(async (tx) => ({
    deployments: (await sql<Row>`select id, app, env, status, is_rollback, commit_sha, created_at, completed_at from deployments`.execute(tx)).rows,
    commits: (await sql<{ deployment_id: number; sha: string; committed_at: string }>`select deployment_id, sha, committed_at from deployment_commits`.execute(tx)).rows,
  }));
  const byKey = new Map<string, { first: Row; known: string | null; sha: string }>();
  for (const d of deployments.filter((row) => row.status === 'success' && Number(row.is_rollback) === 0)) {
    const own = commits.filter((c) => Number(c.deployment_id) === Number(d.id));
    const brought = own.length > 0 ? own.map((c) => ({ sha: c.sha, committedAt: c.committed_at as string | null })) : [{ sha: d.commit_sha ?? `#${d.id}`, committedAt: null }];
    for (const { sha, committedAt } of brought) {
      const key = `${d.app}/${d.env}/${sha}`;
      const seen = byKey.get(key);
      const earlier = !seen || d.created_at < seen.first.created_at || (d.created_at === seen.first.created_at && Number(d.id) < Number(seen.first.id));
      const known = [seen?.known ?? null, committedAt].filter((time): time is string => time !== null).sort().pop() ?? null;
      byKey.set(key, { first: earlier ? d : seen!.first, known, sha });
    }
  }
  return [...byKey.values()]
    .map(({ first, known, sha }) => ({
      app: first.app,
      env: first.env,
      sha,
      deploymentId: Number(first.id),
      createdAt: first.created_at,
      week: mondayOfTime(first.created_at),
      completedAt: first.completed_at,
      committedAt: known,
      leadMs: known !== null && first.completed_at !== null && first.completed_at >= known ? Date.parse(first.completed_at) - Date.parse(known) : null,
    }))
    .sort(byChange);
}

async function storedChanges(store: Store): Promise<Change[]> {
  const rows = await store.read((tx) => tx.selectFrom('delivered_changes').selectAll().execute());
  return rows
    .map((row) => ({
      app: row.app,
      env: row.env,
      sha: row.sha,
      deploymentId: Number(row.deployment_id),
      createdAt: row.created_at,
      week: row.week,
      completedAt: row.completed_at,
      committedAt: row.committed_at,
      leadMs: row.lead_ms === null ? null : Number(row.lead_ms),
    }))
    .sort(byChange);
}


function byChange(a: Change, b: Change): number {
  const x = `${a.app}/${a.env}/${a.sha}`;
  const y = `${b.app}/${b.env}/${b.sha}`;
  return x < y ? -1 : x > y ? 1 : 0;
}


const times = ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', '2026-03-01T11:30:00.000Z', '2026-03-02T09:15:00.250Z', '2026-03-03T00:00:00.000Z'];
const later = (time: string, pick: (n: number) => number) => new Date(Date.parse(time) + (1 + pick(90)) * 60_000).toISOString();
const shas = ['aaaa01', 'aaaa02', 'aaaa03', 'bbbb01', 'bbbb02'];
const statuses = ['success', 'success', 'success', 'failed', 'cancelled', 'timeout'] as const;

/**
 * One random change to the history, as any path of shiplog or an operator's SQL could make it: inserts (one or
 * several in a statement), status, time and commit changes, deletes (one or several), and commit rows added and
 * removed. Sharing commits, times and pairs often, so first successes tie and move.
 */
async function randomChange(store: Store, pick: (n: number) => number, serial: number): Promise<void> {
  const anyOf = <T,>(values: readonly T[]): T => values[pick(values.length)]!;
  const newRow = (n: number) => {
    const created = anyOf(times);
    return {
      key: `dep_${serial}_${n}`,
      app: anyOf(['web', 'api']),
      env: 'prod',
      provider: 'command' as const,
      status: anyOf(statuses),
      is_rollback: pick(8) === 0 ? 1 : 0,
      commit_sha: pick(5) === 0 ? null : anyOf(shas),
      created_at: created,
      completed_at: pick(10) === 0 ? null : later(created, pick),
    };
  };
  await store.write((tx) =>
    oneOf(tx, pick, [
      ...recordWrites(tx, newRow, () => anyOf(statuses)),
      (some) => tx.updateTable('deployments').set({ completed_at: later(anyOf(times), pick), created_at: anyOf(times) }).where('id', '=', some()).execute(),
      (some) => tx.updateTable('deployments').set({ commit_sha: pick(4) === 0 ? null : anyOf(shas), is_rollback: pick(6) === 0 ? 1 : 0 }).where('id', '=', some()).execute(),
      (some) =>
        tx
          .insertInto('deployment_commits')
          .values({ deployment_id: some(), sha: anyOf(shas), committed_at: anyOf(times), shallow: 0 })
          .onConflict((conflict) => conflict.doNothing())
          .execute(),
      (some) => tx.deleteFrom('deployment_commits').where('deployment_id', '=', some()).execute(),
    ]),
  );
}

describeEachStore('each change at the first success that delivered it, on %s', (kind) => {
  const each = storePerTest(kind);

  for (const seed of [1, 2]) {
    it(`stays exact through 150 random changes to deployments and their commits (seed ${seed})`, async () => {
      const pick = random(seed);
      for (let serial = 0; serial < 150; serial++) {
        await randomChange(each.store, pick, serial);
        expect(await storedChanges(each.store), `after change ${serial}`).toEqual(await expectedChanges(each.store));
      }
      expect((await storedChanges(each.store)).length).toBeGreaterThan(3);
    });
  }

  it('is filled from the history of a store made before it', async () => {
    const pick = random(3);
    for (let serial = 0; serial < 60; serial++) await randomChange(each.store, pick, serial);
    const expected = await expectedChanges(each.store);
    await each.store.write(async (tx) => {
      await sql`drop table delivered_changes`.execute(tx);
      const triggers = { deployments: ['insert', 'update', 'delete'], deployment_commits: ['commit_insert', 'commit_delete', 'commit_update'] };
      for (const [table, names] of Object.entries(triggers)) {
        for (const name of names) await sql`drop trigger ${sql.raw(`delivered_changes_${name}`)}${sql.raw(kind === 'postgres' ? ` on ${table}` : '')}`.execute(tx);
      }
      if (kind === 'postgres') {
        for (const name of ['recompute', 'keys', 'follow_inserts', 'follow_change', 'follow_commits', 'follow_commit_update']) {
          await sql`drop function ${sql.raw(`delivered_changes_${name}`)}`.execute(tx);
        }
      }
      await tx.deleteFrom('shiplog_migrations').where('name', '=', '007_delivered_changes').execute();
    });
    await each.reopen();
    expect(expected.length).toBeGreaterThan(3);
    expect(await storedChanges(each.store)).toEqual(expected);
  });
});
