import { existsSync, statSync } from 'node:fs';
import { sql } from 'kysely';
import { findAbandoned, staleAge } from '../db/abandoned.js';
import { countDuplicates } from '../db/duplicates.js';
import { appliedMigrations, migrations } from '../db/migrations.js';
import { openStore } from '../db/open-store.js';
import { parseStoreSpec } from '../db/store-spec.js';
import type { Store } from '../db/store.js';
import type { Deployment } from '../deployment/deployment.js';
import { activeStatuses, unresolvedStatuses } from '../deployment/lifecycle.js';
import { EnvironmentError } from '../errors.js';
import { formatDuration } from '../timing/duration.js';
import { leaseExpiredBefore, leaseTtlMs } from '../tracking/tracker.js';
import { fail, ok, warn, type Check } from './check.js';

/** Above this size a full integrity check reads for too long; quick_check skips the index cross-checks. */
const fullIntegrityCheckBytes = 512 * 1024 * 1024;
/**
 * Running this long with nobody following it, a record-only deployment (which CI closes with `finish`) is all but
 * surely abandoned. One whose shiplog died is abandoned as soon as its lease expires, whatever its age.
 */
const unheldAbandonedAfterMs = 3_600_000;
const duplicateWindowMs = 60_000;

/** Ends a probe transaction so that what it wrote is rolled back. */
class RolledBack extends Error {}

/**
 * The store's checks, in order: reachable and writable, schema, (SQLite) journal mode and integrity, then
 * duplicates and abandoned records. The store is opened as it is, so schema and journal mode are reported as
 * found, and nothing changes without `fix`, which applies the migrations and WAL. A SQLite file that does not
 * exist yet is not created without `fix`.
 */
export async function checkStore(spec: string | undefined, fix: boolean): Promise<Check[]> {
  const named = parseStoreSpec(spec);
  const path = named.kind === 'sqlite' ? named.path : undefined;
  if (path !== undefined && !existsSync(path) && !fix) {
    return [warn('store', `no store at ${path} yet: the first deploy creates it ('doctor --fix' creates it now)`)];
  }
  let store: Store;
  try {
    store = await openStore(spec, 'as-is');
  } catch (error) {
    return [storeFailure('store', error)];
  }
  try {
    let applied: Set<string> | undefined;
    try {
      applied = await store.read((tx) => appliedMigrations(tx));
      await probeWrite(store, applied !== undefined);
    } catch (error) {
      return [storeFailure('store', error)];
    }
    const checks = [ok('store', `${store.location} is reachable and writable`)];
    const schema = await guarded('schema', () => checkSchema(store, applied, fix));
    checks.push(schema);
    if (path !== undefined) {
      checks.push(await guarded('journal mode', () => checkJournalMode(store, path, fix)), await guarded('integrity', () => checkIntegrity(store, path)));
    }
    if (schema.status !== 'fail' && (applied !== undefined || schema.fixed)) {
      try {
        checks.push(...(await checkRecords(store)));
      } catch (error) {
        checks.push(storeFailure('records', error));
      }
    }
    return checks;
  } finally {
    await store.close();
  }
}

/** A check that meets a store error (a corrupt page, a lost connection) reports it as its own failure. */
async function guarded(check: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (error) {
    return storeFailure(check, error);
  }
}

function storeFailure(check: string, error: unknown): Check {
  if (error instanceof EnvironmentError) return fail(check, error.message);
  throw error;
}

/**
 * Writes and keeps nothing, so that doctor without --fix changes nothing: with a schema, a no-op update that the
 * database must still check the right to write; without one, a table created, which needs the right to
 * create the schema anyway. Both are rolled back.
 */
async function probeWrite(store: Store, hasSchema: boolean): Promise<void> {
  try {
    await store.write(async (tx) => {
      if (hasSchema) {
        await tx.updateTable('shiplog_migrations').set((eb) => ({ applied_at: eb.ref('applied_at') })).where('name', '=', migrations[0]!.name).execute();
      } else {
        await sql`create table shiplog_doctor_probe (id integer)`.execute(tx);
      }
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
}

async function checkSchema(store: Store, applied: Set<string> | undefined, fix: boolean): Promise<Check> {
  const latest = migrations.at(-1)!.name;
  const newer = [...(applied ?? [])].filter((name) => !migrations.some((migration) => migration.name === name));
  if (newer.length > 0) return fail('schema', `written by a newer shiplog (schema ${newer.sort().at(-1)}); upgrade shiplog to use this store`);
  const pending = migrations.filter((migration) => !applied?.has(migration.name)).map((migration) => migration.name);
  if (pending.length === 0) return ok('schema', `current (${latest})`);
  if (fix) {
    await store.migrate();
    return ok('schema', applied === undefined ? `created (${latest})` : `migrated to ${latest} (applied ${pending.join(', ')})`, true);
  }
  return applied === undefined
    ? warn('schema', "empty: no schema yet; the first command that records creates it ('doctor --fix' creates it now)")
    : warn('schema', `needs migration: ${pending.join(', ')}; 'doctor --fix' (or any other command) applies it`);
}

/**
 * Any shiplog command that writes asks for WAL, so anything else here is a store made elsewhere, or one where
 * SQLite refused WAL (a network file system): writers then wait for readers. The fix asks, outside any
 * transaction.
 */
async function checkJournalMode(store: Store, path: string, fix: boolean): Promise<Check> {
  const mode = await store.read(async (tx) => String((await sql<{ journal_mode: string }>`pragma journal_mode`.execute(tx)).rows[0]?.journal_mode));
  if (mode === 'wal') return ok('journal mode', 'WAL');
  if (fix) {
    const { openSqliteDatabase } = await import('../db/sqlite-library.js');
    const connection = openSqliteDatabase(path);
    try {
      const now = String(connection.pragma('journal_mode = WAL', { simple: true }));
      if (now === 'wal') return ok('journal mode', `WAL (was ${mode})`, true);
      return warn('journal mode', `${mode}: SQLite refused WAL here (a network or read-only file system?); concurrent writers wait longer`);
    } finally {
      connection.close();
    }
  }
  return warn('journal mode', `${mode}, not WAL: concurrent writers wait longer; 'doctor --fix' switches to WAL`);
}

async function checkIntegrity(store: Store, path: string): Promise<Check> {
  const pragma = statSync(path).size > fullIntegrityCheckBytes ? 'quick_check' : 'integrity_check';
  const rows = await store.read(async (tx) => (await sql<Record<string, string>>`pragma ${sql.raw(pragma)}`.execute(tx)).rows);
  const findings = rows.map((row) => String(Object.values(row)[0]));
  if (findings.length === 1 && findings[0] === 'ok') return ok('integrity', `${pragma}: ok`);
  return fail('integrity', `${pragma} found ${findings.length} problem(s), first: ${findings[0]}; restore a backup, or copy what can be read with 'sqlite3 ${path} .recover'`);
}

async function checkRecords(store: Store): Promise<Check[]> {
  const now = Date.now();
  const leaseCutoff = leaseExpiredBefore(now);
  const { duplicates, abandoned, unresolved } = await store.read(async (tx) => ({
    duplicates: await countDuplicates(tx, store.dialect.kind, { windowMs: duplicateWindowMs, leaseExpiredBefore: leaseCutoff }),
    abandoned: await findAbandoned(tx, {
      statuses: activeStatuses,
      startedBefore: new Date(now).toISOString(),
      unheldStartedBefore: new Date(now - unheldAbandonedAfterMs).toISOString(),
      leaseExpiredBefore: leaseCutoff,
    }),
    unresolved: Number(
      (await tx.selectFrom('deployments').select((eb) => eb.fn.countAll().as('count')).where('status', 'in', unresolvedStatuses).executeTakeFirstOrThrow()).count,
    ),
  }));
  const checks = [
    duplicates.records === 0
      ? ok('duplicates', 'none')
      : warn('duplicates', `${duplicates.records} records duplicate ${duplicates.groups} others; 'shiplog cleanup --duplicates' shows them, --apply merges them`),
  ];
  if (abandoned.length === 0 && unresolved === 0) {
    checks.push(ok('stale records', 'none'));
  } else {
    const gone = abandoned.filter((d) => d.heartbeatAt !== null);
    const unheld = abandoned.filter((d) => d.heartbeatAt === null);
    const parts = [
      gone.length > 0 && `${gone.length} ${statusWords(gone)} whose shiplog is gone (no heartbeat for over ${formatDuration(leaseTtlMs)})`,
      unheld.length > 0 && `${unheld.length} ${statusWords(unheld)} for over an hour with nobody following them`,
      unresolved > 0 && `${unresolved} left timeout or stale`,
    ].filter((part): part is string => typeof part === 'string');
    // Old enough to take in every abandoned record found, however recently its shiplog died.
    const youngest = Math.min(unheldAbandonedAfterMs, ...abandoned.map((d) => now - Date.parse(d.startedAt ?? d.createdAt)));
    checks.push(warn('stale records', `${parts.join('; ')}; 'shiplog cleanup --stale ${staleAge(youngest)} --reconcile' settles them`));
  }
  return checks;
}

/** `running`, `pending`, or both, as the records at hand are. */
function statusWords(records: readonly Deployment[]): string {
  return [...new Set(records.map((d) => d.status))].sort().join(' or ');
}
