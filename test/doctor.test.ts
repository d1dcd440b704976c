import { existsSync, openSync, writeSync, closeSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DoctorReport } from '../src/commands/doctor.js';
import { sql } from 'kysely';
import { migrations } from '../src/db/migrations.js';
import { openStore } from '../src/db/open-store.js';
import { runCli, runCliJson } from './support/cli.js';
import { ago, insertHistory, minutes } from './support/history-rows.js';
import { execSql } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const latest = migrations.at(-1)!.name;

describeEachStore('doctor on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const doctor = (...args: string[]) => runCliJson<DoctorReport>(['--db', store.spec, 'doctor', ...args]);
  const line = (report: DoctorReport, name: string) => report.checks.find((check) => check.check === name);

  it('reports a store that does not exist yet without creating it, and --fix creates it', async () => {
    const { result, json } = await doctor();

    expect(result.code, result.stderr).toBe(0);
    expect(json.checks.every((check) => check.status !== 'fail')).toBe(true);
    expect(json.checks.some((check) => check.status === 'warn' && /first (deploy|command)/.test(check.message))).toBe(true);
    if (kind === 'sqlite') expect(existsSync(store.spec)).toBe(false);
    else expect(await tableNames(store)).not.toContain('deployments');

    const fixed = await doctor('--fix');

    expect(fixed.result.code).toBe(0);
    expect(line(fixed.json, 'schema')).toEqual({ check: 'schema', status: 'ok', message: `created (${latest})`, fixed: true });
    expect(fixed.json.checks.map((check) => check.status)).toEqual(fixed.json.checks.map(() => 'ok'));
  });

  it('finds the schema an older shiplog left, and --fix migrates it', async () => {
    const [first, ...later] = migrations;
    const old = await openStore(store.spec, 'as-is');
    await old.write(async (tx) => {
      await sql`create table shiplog_migrations (name text primary key, applied_at text not null)`.execute(tx);
      await first!.up(tx, old.dialect);
      await tx.insertInto('shiplog_migrations').values({ name: first!.name, applied_at: new Date().toISOString() }).execute();
    });
    await old.close();

    const { result, json } = await doctor();
    expect(result.code).toBe(0);
    expect(line(json, 'schema')).toMatchObject({ status: 'warn', message: expect.stringContaining(`needs migration: ${later.map((m) => m.name).join(', ')}`) });
    expect(await appliedNames(store)).not.toContain(latest);

    const fixed = await doctor('--fix');
    expect(line(fixed.json, 'schema')).toMatchObject({ status: 'ok', fixed: true });
    expect(await appliedNames(store)).toContain(latest);
  });

  it('fails with exit 5 on a store a newer shiplog wrote', async () => {
    await runCli(['--db', store.spec, 'doctor', '--fix']);
    await execSql(store, `insert into shiplog_migrations (name, applied_at) values ('999_later', '2030-01-01T00:00:00.000Z')`);

    const { result, json } = await doctor('--fix');

    expect(result.code).toBe(5);
    expect(json.ok).toBe(false);
    expect(line(json, 'schema')).toMatchObject({ status: 'fail', message: expect.stringContaining('newer shiplog') });
    expect(await appliedNames(store)).toEqual([...migrations.map((m) => m.name), '999_later']);
  });

  it('warns of duplicates and of records nobody follows, and says what settles them', async () => {
    const at = ago(minutes(90));
    await insertHistory(store.spec, [
      { status: 'success', version: '1.0.0', createdAt: at, completedAt: at },
      { status: 'stale', version: '1.0.0', createdAt: new Date(at.getTime() + 2_000) },
      { app: 'api', status: 'running', createdAt: at },
      { app: 'worker', status: 'timeout', createdAt: at },
    ]);

    const { result, json } = await doctor();
    const human = await runCli(['--db', store.spec, 'doctor']);

    expect(result.code).toBe(0);
    expect(line(json, 'duplicates')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^1 records duplicate 1 others; 'shiplog cleanup --duplicates'/) });
    expect(line(json, 'stale records')).toMatchObject({ status: 'warn', message: expect.stringContaining('1 running for over an hour') });
    expect(line(json, 'stale records')!.message).toContain('2 left timeout or stale');
    expect(human.stdout).toMatch(/^warn\s+duplicates\s+1 records/m);
  });

  // A check only the SQLite store has: the other store's suite does not declare it.
  if (kind === 'sqlite') {
    it('checks journal mode and integrity, and fails with exit 5 on a damaged file', async () => {
      await insertHistory(store.spec, Array.from({ length: 400 }, (_, n) => ({ status: 'success' as const, version: `1.${n}`, createdAt: ago(minutes(n)) })));
      const healthy = await doctor();
      expect(line(healthy.json, 'journal mode')).toMatchObject({ status: 'ok', message: 'WAL' });
      expect(line(healthy.json, 'integrity')).toMatchObject({ status: 'ok', message: 'integrity_check: ok' });
      const db = new Database(store.spec);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const { rootpage } = db.prepare(`select rootpage from sqlite_master where name = 'deployments_created'`).get() as { rootpage: number };
      db.close();
      const file = openSync(store.spec, 'r+');
      writeSync(file, Buffer.alloc(pageSize - 200, 0x5a), 0, pageSize - 200, (rootpage - 1) * pageSize + 100);
      closeSync(file);

      const { result, json } = await doctor();

      expect(result.code).toBe(5);
      expect(line(json, 'integrity')).toMatchObject({ status: 'fail' });
    });
  }

  // A check only the PostgreSQL store has: the other store's suite does not declare it.
  if (kind === 'postgres') {
    it('fails the store check with exit 5 for a user who may only read', async () => {
      await runCli(['--db', store.spec, 'doctor', '--fix']);
      const role = `reader_${process.pid}_${Date.now()}`;
      await execSql(store, `create role ${role} login`);
      await execSql(store, `grant select on all tables in schema public to ${role}`);
      const url = new URL(store.spec);
      url.username = role;

      const { result, json } = await runCliJson<DoctorReport>(['--db', url.toString(), 'doctor']);

      expect(result.code).toBe(5);
      expect(json.checks).toEqual([{ check: 'store', status: 'fail', message: expect.stringContaining('cannot write') }]);
      await execSql(store, `drop owned by ${role}`);
      await execSql(store, `drop role ${role}`);
    });
  }
});

async function appliedNames(store: TestStore): Promise<string[]> {
  return (await rows(store, 'select name from shiplog_migrations order by name')).map((row) => String(row.name));
}

async function tableNames(store: TestStore): Promise<string[]> {
  return (await rows(store, `select table_name as name from information_schema.tables where table_schema = 'public'`)).map((row) => String(row.name));
}

async function rows(store: TestStore, text: string): Promise<Record<string, unknown>[]> {
  if (store.kind === 'sqlite') {
    const db = new Database(store.spec, { readonly: true });
    try {
      return db.prepare(text).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.spec });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
