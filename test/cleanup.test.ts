import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { ago, days, insertHistory, linkRollback, minutes } from './support/history-rows.js';
import { execSql, snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('cleanup on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const cleanup = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', ...args], { env });
  const show = async (ref: number | string) => (await runCliJson<DeploymentJson>(['--db', store.spec, 'show', String(ref)])).json;
  const remainingIds = async () => (await snapshot(store)).deployments.map((row) => Number(row.id));

  it('shows its plan and changes nothing without --apply', async () => {
    const at = ago(minutes(30));
    const ids = await insertHistory(store.spec, [
      { status: 'success', commitSha: 'aaaa111', createdAt: at, completedAt: at },
      { status: 'stale', commitSha: 'aaaa111', createdAt: new Date(at.getTime() + 10_000) },
    ]);
    const before = await snapshot(store);

    const { result, json } = await cleanup(['--duplicates']);
    const human = await runCli(['--db', store.spec, 'cleanup', '--duplicates']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.applied).toBe(false);
    expect(json.duplicates!.records).toBe(1);
    expect(json.duplicates!.groups.map((group) => [group.kept.id, group.duplicates.map((d) => d.id)])).toEqual([[ids[0], [ids[1]]]]);
    expect(human.stdout).toContain('add --apply');
    expect(await snapshot(store)).toEqual(before);
  });

  it('merges duplicates into the most final record, moving their events and the rollback links that named them', async () => {
    const t0 = ago(minutes(60));
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    const same = { version: '2.0.0', commitSha: 'bbbb222' };
    const ids = await insertHistory(store.spec, [
      { ...same, status: 'stale', createdAt: at(0), extraEvents: 1 },
      { ...same, status: 'success', createdAt: at(20), completedAt: at(25) },
      { ...same, status: 'running', createdAt: at(40), leaseOwner: 'gone:1:abc', heartbeatAt: at(45) },
      { ...same, status: 'success', createdAt: at(600), completedAt: at(610) },
    ]);
    const [rollback] = await insertHistory(store.spec, [{ ...same, status: 'success', isRollback: true, rollbackOf: ids[0], createdAt: at(900), completedAt: at(905) }]);
    await linkRollback(store.spec, ids[0]!, rollback!);

    const { result, json } = await cleanup(['--duplicates', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.applied).toBe(true);
    expect(json.duplicates).toMatchObject({ records: 2, eventsMoved: 3 });
    expect(await remainingIds()).toEqual([ids[1], ids[3], rollback]);
    const kept = await show(ids[1]!);
    expect(kept.status).toBe('success');
    expect(kept.events).toHaveLength(5);
    expect(kept.events!.at(-1)).toMatchObject({ source: 'cleanup', detail: expect.stringContaining('merged duplicates') });
    expect(kept.rolledBackBy).toBe(rollback);
    expect((await show(rollback!)).rollbackOf).toBe(ids[1]);
  });

  it('treats records written in the same millisecond as one deployment, and never groups records that name no version or commit', async () => {
    const at = ago(minutes(5));
    const ids = await insertHistory(store.spec, [
      { status: 'success', version: '3.0.0', createdAt: at, completedAt: at },
      { status: 'success', version: '3.0.0', createdAt: at, completedAt: at },
      { status: 'success', version: null, createdAt: at, completedAt: at },
      { status: 'success', version: null, createdAt: at, completedAt: at },
    ]);

    const { json } = await cleanup(['--duplicates', '--apply']);

    expect(json.duplicates!.groups.map((group) => [group.kept.id, group.duplicates.map((d) => d.id)])).toEqual([[ids[1], [ids[0]]]]);
    expect(await remainingIds()).toEqual([ids[1], ids[2], ids[3]]);
  });

  it('leaves alone a duplicate that a live follower still holds', async () => {
    const at = ago(minutes(1));
    await insertHistory(store.spec, [
      { status: 'success', version: '4.0.0', createdAt: at, completedAt: at },
      { status: 'running', version: '4.0.0', createdAt: new Date(at.getTime() + 5_000), leaseOwner: 'alive:1:abc', heartbeatAt: new Date() },
    ]);

    const { json } = await cleanup(['--duplicates', '--apply']);

    expect(json.duplicates!.records).toBe(0);
    expect(await remainingIds()).toHaveLength(2);
  });

  it('gives a kept record without an idempotency key the key of the duplicate merged into it', async () => {
    const at = ago(minutes(30));
    const [kept, merged] = await insertHistory(store.spec, [
      { status: 'success', version: '6.0.0', createdAt: at, completedAt: at },
      { status: 'stale', version: '6.0.0', createdAt: new Date(at.getTime() + 2_000), idempotencyKey: 'ci-run-7' },
    ]);

    const { result, json } = await cleanup(['--duplicates', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.duplicates!.groups.map((group) => [group.kept.id, group.duplicates.map((d) => d.id)])).toEqual([[kept, [merged]]]);
    expect((await show(kept!)).idempotencyKey).toBe('ci-run-7');
    expect((await show(merged!)).id).toBe(kept);
  });

  it('gives the kept record the commits only a merged duplicate recorded, so lead time still measures them', async () => {
    const at = ago(minutes(30));
    const [kept, merged] = await insertHistory(store.spec, [
      { status: 'success', version: '6.1.0', createdAt: at, completedAt: new Date(at.getTime() + 60_000) },
      { status: 'stale', version: '6.1.0', createdAt: new Date(at.getTime() + 2_000) },
    ]);
    const committed = new Date(at.getTime() - minutes(120)).toISOString();
    for (const [id, sha] of [[merged, 'c0ffee01'], [merged, 'c0ffee02'], [kept, 'c0ffee02']] as const) {
      await execSql(store, `insert into deployment_commits (deployment_id, sha, committed_at, shallow) values (${id}, '${sha}', '${committed}', 0)`);
    }
    const stats = () => runCliJson<{ leadTime: { measured: number } }>(['--db', store.spec, 'stats']);
    expect((await stats()).json.leadTime.measured).toBe(1);

    const { result } = await cleanup(['--duplicates', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect((await remainingIds())).toEqual([kept]);
    expect((await stats()).json.leadTime.measured).toBe(2);
  });

  it('lists every group and record in --json however many there are, and shows a person the first 20 of each with a count of the rest', async () => {
    const old = ago(days(90));
    await insertHistory(
      store.spec,
      Array.from({ length: 25 }, (_, i) => [
        { app: `app-${i}`, status: 'success' as const, version: '1.0.0', createdAt: old, completedAt: old },
        { app: `app-${i}`, status: 'failed' as const, version: '1.0.0', createdAt: new Date(old.getTime() + 1_000), completedAt: old },
        { app: `app-${i}`, status: 'success' as const, version: '2.0.0', createdAt: ago(days(1)), completedAt: ago(days(1)) },
      ]).flat(),
    );
    const args = ['--duplicates', '--prune-older-than', '30d', '--keep', '1'];

    const { result, json } = await cleanup(args);
    const human = await runCli(['--db', store.spec, 'cleanup', ...args]);

    expect(result.code, result.stderr).toBe(0);
    expect(json.duplicates!.groups).toHaveLength(25);
    expect(json.duplicates!.records).toBe(25);
    expect(new Set(json.duplicates!.groups.map((group) => group.kept.app)).size).toBe(25);
    expect(json.prune!.records).toHaveLength(50);
    expect(json.prune!.events).toBe(50);
    const lines = human.stdout.split('\n');
    expect(lines.filter((line) => line.startsWith('  keep '))).toHaveLength(20);
    expect(human.stdout).toContain('… and 5 more (--json lists them all)');
    expect(human.stdout).toContain('… and 30 more (--json lists them all)');
  });

  it('marks running records whose follower is gone stale, and only those older than --stale', async () => {
    const ids = await insertHistory(store.spec, [
      { app: 'gone', status: 'running', createdAt: ago(minutes(180)), leaseOwner: 'host:1:abc', heartbeatAt: ago(minutes(120)) },
      { app: 'alive', status: 'running', createdAt: ago(minutes(180)), leaseOwner: 'host:2:abc', heartbeatAt: new Date() },
      { app: 'young', status: 'running', createdAt: ago(minutes(10)) },
    ]);

    const { result, json } = await cleanup(['--stale', '1h', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.stale!.records.map((change) => [change.id, change.from, change.to])).toEqual([[ids[0], 'running', 'stale']]);
    const stale = await show(ids[0]!);
    expect(stale.status).toBe('stale');
    expect(stale.events!.at(-1)).toMatchObject({ from: 'running', to: 'stale', source: 'cleanup' });
    expect((await show(ids[1]!)).status).toBe('running');
    expect((await show(ids[2]!)).status).toBe('running');
  });

  it('turns a deploy whose shiplog was killed into stale, never success', async () => {
    const marker = join(store.dir, 'started');
    const child = startCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setTimeout(() => {}, 2000)`]);
    await waitForFile(marker);
    child.kill('SIGKILL');
    await child.result;

    const { json } = await cleanup(['--stale', '0s', '--apply'], { SHIPLOG_LEASE_TTL: '1ms' });

    expect(json.stale!.records).toHaveLength(1);
    expect(json.stale!.records[0]).toMatchObject({ from: 'running', to: 'stale' });
    const [row] = (await snapshot(store)).deployments;
    expect(row!.status).toBe('stale');
  });

  it('says per record why command and record-only deployments cannot be reconciled', async () => {
    const old = ago(minutes(180));
    const ids = await insertHistory(store.spec, [
      { app: 'script', provider: 'command', target: { command: 'deploy.sh' }, status: 'running', createdAt: old },
      { app: 'ci', provider: 'manual', status: 'running', createdAt: old },
      { app: 'slow', provider: 'manual', status: 'timeout', createdAt: old },
    ]);

    const { json } = await cleanup(['--stale', '1h', '--reconcile', '--apply']);

    const byId = new Map(json.stale!.records.map((change) => [change.id, change]));
    expect(byId.get(ids[0]!)).toMatchObject({ to: 'stale', reason: expect.stringContaining('command deployment cannot be reconciled') });
    expect(byId.get(ids[1]!)).toMatchObject({ to: 'stale', reason: expect.stringContaining('no provider to ask') });
    expect(byId.get(ids[2]!)).toMatchObject({ to: null, reason: expect.stringContaining('left timeout') });
    expect((await show(ids[2]!)).status).toBe('timeout');
  });

  it('prunes old final records with their events, keeping the newest N, the last success and rollback links', async () => {
    const old = (n: number) => ago(days(60 - n));
    const early = await insertHistory(store.spec, [
      { status: 'success', createdAt: old(0), completedAt: old(0), extraEvents: 2 },
      { status: 'failed', createdAt: old(1), completedAt: old(1) },
      { status: 'success', createdAt: old(2), completedAt: old(2) },
    ]);
    const [rollback] = await insertHistory(store.spec, [{ status: 'success', isRollback: true, rollbackOf: early[2], createdAt: old(2.5), completedAt: old(2.5) }]);
    await linkRollback(store.spec, early[2]!, rollback!);
    const later = await insertHistory(store.spec, [
      { status: 'cancelled', createdAt: old(3), completedAt: old(3) },
      { status: 'stale', createdAt: old(4) },
      { status: 'success', createdAt: old(5), completedAt: old(5) },
      { status: 'failed', createdAt: ago(days(2)), completedAt: ago(days(2)) },
      { status: 'failed', createdAt: ago(days(1)), completedAt: ago(days(1)) },
      { env: 'staging', status: 'failed', createdAt: ago(days(90)), completedAt: ago(days(90)) },
    ]);

    const { json: plan } = await cleanup(['--prune-older-than', '30d', '--keep', '2']);
    const { json: applied } = await cleanup(['--prune-older-than', '30d', '--keep', '2', '--apply']);

    const pruned = [early[0], early[1], later[0]];
    expect(plan.prune!.records.map((d) => d.id)).toEqual(pruned);
    expect(plan.prune!.events).toBe(5);
    expect(applied.prune!.records.map((d) => d.id)).toEqual(pruned);
    const after = await snapshot(store);
    expect(after.deployments.map((row) => Number(row.id)).sort((a, b) => a - b)).toEqual([early[2], rollback, ...later.slice(1)]);
    expect(after.events.filter((event) => pruned.includes(Number(event.deployment_id)))).toEqual([]);
  });

  it('points the keys of records merged before at the record their record is merged into next', async () => {
    const t0 = ago(minutes(60));
    const same = { status: 'success' as const, version: '4.0.0' };
    const [first, second] = await insertHistory(store.spec, [
      { ...same, createdAt: t0, completedAt: t0 },
      { ...same, createdAt: new Date(t0.getTime() + 20_000), completedAt: t0 },
    ]);
    const firstKey = (await show(first!)).key;
    await cleanup(['--duplicates', '--apply']);
    const [third] = await insertHistory(store.spec, [{ ...same, createdAt: new Date(t0.getTime() + 40_000), completedAt: t0 }]);

    const { result, json } = await cleanup(['--duplicates', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.duplicates!.groups.map((group) => [group.kept.id, group.duplicates.map((d) => d.id)])).toEqual([[third, [second]]]);
    expect([(await show(firstKey)).id, (await show(first!)).id, (await show(second!)).id]).toEqual([third, third, third]);
  });

  it('prunes a record that duplicates were merged into, and their keys with it', async () => {
    const old = ago(days(60));
    const [merged, kept] = await insertHistory(store.spec, [
      { status: 'failed', version: '1.0.0', createdAt: old, completedAt: old },
      { status: 'failed', version: '1.0.0', createdAt: new Date(old.getTime() + 5_000), completedAt: old },
      { status: 'success', version: '2.0.0', createdAt: ago(days(1)), completedAt: ago(days(1)) },
    ]);
    const mergedKey = (await show(merged!)).key;
    await cleanup(['--duplicates', '--apply']);
    expect((await show(mergedKey)).id).toBe(kept);

    const { result, json } = await cleanup(['--prune-older-than', '30d', '--keep', '1', '--apply']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.prune!.records.map((d) => d.id)).toEqual([kept]);
    expect((await runCli(['--db', store.spec, 'show', mergedKey])).code).toBe(2);
  });

  it('changes nothing at all when one change of the plan fails', async () => {
    const at = ago(minutes(200));
    await insertHistory(store.spec, [
      { app: 'a', status: 'running', createdAt: at },
      { app: 'b', status: 'success', version: '5.0.0', createdAt: at, completedAt: at },
      { app: 'b', status: 'stale', version: '5.0.0', createdAt: new Date(at.getTime() + 1_000) },
    ]);
    if (kind === 'sqlite') {
      await execSql(store, `create trigger refuse_delete before delete on deployments begin select raise(abort, 'refused by the test'); end`);
    } else {
      await execSql(store, `create function refuse_delete() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
      await execSql(store, `create trigger refuse_delete before delete on deployments for each row execute function refuse_delete()`);
    }
    const before = await snapshot(store);

    const result = await runCli(['--db', store.spec, 'cleanup', '--stale', '1h', '--duplicates', '--apply']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('refused by the test');
    expect(await snapshot(store)).toEqual(before);
  });

  // A check only the SQLite store has: the other store's suite does not declare it.
  if (kind === 'sqlite') {
    it('backs the SQLite file up before the first change, readable by its owner only', async () => {
      const at = ago(days(100));
      const ids = await insertHistory(store.spec, [
        { status: 'failed', createdAt: at, completedAt: at },
        { status: 'success', createdAt: ago(days(1)), completedAt: ago(days(1)) },
      ]);
      const backupPath = join(store.dir, 'before-cleanup.db');

      const { json } = await cleanup(['--prune-older-than', '30d', '--keep', '0', '--apply', '--backup', backupPath]);

      expect(json.backup).toBe(backupPath);
      expect(await remainingIds()).toEqual([ids[1]]);
      expect(statSync(backupPath).mode & 0o777).toBe(0o600);
      const backup = new Database(backupPath, { readonly: true });
      try {
        expect(backup.prepare('select id from deployments order by id').all()).toEqual([{ id: ids[0] }, { id: ids[1] }]);
      } finally {
        backup.close();
      }
    });
  }

  // A check only the SQLite store has: the other store's suite does not declare it.
  if (kind === 'sqlite') {
    it('writes the backup beside the store by default, and refuses a backup path that exists', async () => {
      const at = ago(days(100));
      await insertHistory(store.spec, [
        { status: 'failed', createdAt: at, completedAt: at },
        { status: 'success', createdAt: at, completedAt: at },
      ]);
      const taken = join(store.dir, 'taken.db');
      writeFileSync(taken, 'keep me');
      const before = await snapshot(store);

      const refused = await runCli(['--db', store.spec, 'cleanup', '--prune-older-than', '30d', '--keep', '0', '--apply', '--backup', taken]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('exists already');
      expect(await snapshot(store)).toEqual(before);

      const { json } = await cleanup(['--prune-older-than', '30d', '--keep', '0', '--apply']);
      expect(json.backup).toMatch(new RegExp(`^${store.spec.replace(/[.]/g, '\\.')}\\.backup-\\d{8}T\\d{6}Z$`));
      expect(existsSync(json.backup!)).toBe(true);
    });
  }

  // A check only the PostgreSQL store has: the other store's suite does not declare it.
  if (kind === 'postgres') {
    it('says --backup does not apply to PostgreSQL, and cleans all the same', async () => {
      const at = ago(days(100));
      await insertHistory(store.spec, [
        { status: 'failed', createdAt: at, completedAt: at },
        { status: 'success', createdAt: at, completedAt: at },
      ]);

      const { result, json } = await cleanup(['--prune-older-than', '30d', '--keep', '0', '--apply', '--backup', join(store.dir, 'b.db')]);

      expect(result.code).toBe(0);
      expect(json.backup).toBeNull();
      expect(json.notes.join(' ')).toContain('SQLite stores only');
      expect(json.prune!.records).toHaveLength(1);
    });
  }

  it('refuses incomplete or contradictory options with one line and exit 2', async () => {
    for (const args of [[], ['--keep', '3'], ['--prune-older-than', '30d'], ['--window', '10s', '--stale', '1h'], ['--reconcile'], ['--stale', 'soon'], ['--prune-older-than', '30d', '--keep', 'all']]) {
      const result = await runCli(['--db', store.spec, 'cleanup', ...args, '--apply']);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});

async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
