import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { runTimeRanges } from '../src/db/deployment-weeks.js';
import type { Store } from '../src/db/store.js';
import { mondayOfTime, oneOf, random, recordWrites, storePerTest } from './support/random-writes.js';
import { describeEachStore } from './support/stores.js';

interface Row {
  app: string;
  env: string;
  status: string;
  is_rollback: number;
  rolled_back_by: number | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** A week's counts as `week app env` → column → count, rows of zeros left out: how the oracle and the table are compared. */
type Weeks = Record<string, Record<string, number>>;


/** What deployment_weeks should hold, worked out in JavaScript from every deployment: the oracle the triggers are held to. */
async function expectedWeeks(store: Store): Promise<Weeks> {
  const rows = await store.read(async (tx) =>
    (await sql<Row>`select app, env, status, is_rollback, rolled_back_by, created_at, started_at, completed_at from deployments`.execute(tx)).rows,
  );
  const weeks: Weeks = {};
  for (const d of rows) {
    const change = Number(d.is_rollback) === 0;
    const counted: Record<string, boolean> = {
      total: true,
      success: d.status === 'success',
      failed: d.status === 'failed',
      cancelled: d.status === 'cancelled',
      active: d.status === 'pending' || d.status === 'running',
      unresolved: d.status === 'timeout' || d.status === 'stale',
      rollbacks: !change,
      successful_changes: change && d.status === 'success',
      failed_changes: change && d.status === 'failed',
      rolled_back_changes: change && d.status === 'success' && d.rolled_back_by !== null,
    };
    if ((d.status === 'success' || d.status === 'failed') && d.completed_at !== null) {
      const ran = Date.parse(d.completed_at) - Date.parse(d.started_at ?? d.created_at);
      counted[runTimeRanges.find((range) => ran < range.belowMs)!.column] = true;
    }
    const week = (weeks[`${mondayOfTime(d.created_at)} ${d.app} ${d.env}`] ??= {});
    for (const [column, counts] of Object.entries(counted)) if (counts) week[column] = (week[column] ?? 0) + 1;
  }
  return weeks;
}

async function storedWeeks(store: Store): Promise<Weeks> {
  const rows = await store.read((tx) => tx.selectFrom('deployment_weeks').selectAll().execute());
  const weeks: Weeks = {};
  for (const { week, app, env, ...columns } of rows) {
    const counts = Object.fromEntries(Object.entries(columns).filter(([, count]) => Number(count) !== 0).map(([column, count]) => [column, Number(count)]));
    if (Object.keys(counts).length > 0) weeks[`${week} ${app} ${env}`] = counts;
  }
  return weeks;
}


// Sunday night and Monday morning of one week boundary, and a week later: rows move across weeks as their times change.
const times = ['2026-03-01T23:59:59.999Z', '2026-03-02T00:00:00.000Z', '2026-03-02T09:15:00.250Z', '2026-03-09T10:00:00.000Z', '2026-03-09T10:00:00.000Z'];
const statuses = ['pending', 'running', 'success', 'success', 'failed', 'cancelled', 'timeout', 'stale'] as const;
// Run times on both sides of the ranges' bounds, and a start after the end (a clock that went back).
const runMs = [0, 29_999, 30_000, 59_000, 61_000, 299_999, 600_000, 3_599_999, 3_600_000, 90_000_000, -5_000];

/**
 * One random change to the history, as any path of shiplog or an operator's SQL could make it: inserts (one or
 * several in a statement), status, time, pair and rollback changes of one record or several at once, a heartbeat
 * (no counted column changes), and deletes of one or several. A change that would give a pair a second active
 * record is refused whole by the store, as any writer's would be: the counts must not move either.
 */
async function randomChange(store: Store, pick: (n: number) => number, serial: number): Promise<void> {
  const anyOf = <T,>(values: readonly T[]): T => values[pick(values.length)]!;
  const ended = (started: string) => new Date(Date.parse(started) + anyOf(runMs)).toISOString();
  const newRow = (n: number) => {
    const created = anyOf(times);
    const started = pick(3) === 0 ? null : created;
    return {
      key: `dep_${serial}_${n}`,
      app: anyOf(['web', 'api']),
      env: anyOf(['prod', 'staging']),
      provider: 'command' as const,
      status: anyOf(statuses),
      is_rollback: pick(6) === 0 ? 1 : 0,
      created_at: created,
      started_at: started,
      completed_at: pick(5) === 0 ? null : ended(started ?? created),
    };
  };
  const refused = (error: unknown) => {
    if (!store.dialect.isUniqueViolation(error)) throw error;
  };
  await store
    .write((tx) =>
      oneOf(tx, pick, [
        ...recordWrites(tx, newRow, () => anyOf(statuses)),
        (some) => tx.updateTable('deployments').set({ created_at: anyOf(times), completed_at: ended(anyOf(times)) }).where('id', '=', some()).execute(),
        // One column alone, so a trigger that misses a change to any of them is seen to.
        (some) =>
          tx
            .updateTable('deployments')
            .set(anyOf([{ is_rollback: pick(4) === 0 ? 1 : 0 }, { rolled_back_by: pick(2) === 0 ? null : some() }, { started_at: pick(2) === 0 ? null : anyOf(times) }]))
            .where('id', '=', some())
            .execute(),
        (some) => tx.updateTable('deployments').set({ app: anyOf(['web', 'api']), env: anyOf(['prod', 'staging']) }).where('id', '=', some()).execute(),
        // Several rows in one statement, as cleanup settles stale records.
        (some) => tx.updateTable('deployments').set({ status: anyOf(statuses), completed_at: ended(anyOf(times)) }).where('id', 'in', [some(), some(), some()]).execute(),
        // A heartbeat: no counted column changes.
        (some) => tx.updateTable('deployments').set({ heartbeat_at: anyOf(times), lease_owner: `owner-${serial}` }).where('id', 'in', [some(), some()]).execute(),
      ]),
    )
    .catch(refused);
}

describeEachStore('each pair\'s deployments counted by week, on %s', (kind) => {
  const each = storePerTest(kind);

  for (const seed of [1, 2]) {
    it(`stays exact through 300 random changes to deployments (seed ${seed})`, async () => {
      const pick = random(seed);
      for (let serial = 0; serial < 300; serial++) {
        await randomChange(each.store, pick, serial);
        expect(await storedWeeks(each.store), `after change ${serial}`).toEqual(await expectedWeeks(each.store));
      }
      expect(Object.keys(await storedWeeks(each.store)).length).toBeGreaterThan(2);
    });
  }

  it('is filled from the history of a store made before it', async () => {
    const pick = random(3);
    for (let serial = 0; serial < 60; serial++) await randomChange(each.store, pick, serial);
    const expected = await expectedWeeks(each.store);
    await each.store.write(async (tx) => {
      await sql`drop table deployment_weeks`.execute(tx);
      for (const name of ['insert', 'update', 'delete']) {
        await sql`drop trigger ${sql.raw(`deployment_weeks_${name}`)}${sql.raw(kind === 'postgres' ? ' on deployments' : '')}`.execute(tx);
        if (kind === 'postgres') await sql`drop function ${sql.raw(`deployment_weeks_${name}`)}`.execute(tx);
      }
      await sql`drop index deployments_open_by_pair`.execute(tx);
      await tx.deleteFrom('shiplog_migrations').where('name', '=', '009_deployment_weeks').execute();
    });
    await each.reopen();
    expect(Object.keys(expected).length).toBeGreaterThan(2);
    expect(await storedWeeks(each.store)).toEqual(expected);
  });
});
