import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/db/open-store.js';
import type { Store } from '../src/db/store.js';

/** A driver error as better-sqlite3 or pg throws it: a message and a code. */
const failure = (code: string, message = `failure ${code}`) => Object.assign(new Error(message), { code });

describe('what a store error means', () => {
  let dir: string;
  let sqlite: Store;
  let postgres: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-families-'));
    sqlite = await openStore(join(dir, 'shiplog.db'));
    // No connection is made until a query runs: the dialect alone is asked here.
    postgres = await openStore('postgres://deployer:hunter2-families@127.0.0.1:1/shiplog', 'as-is');
  });
  afterAll(async () => {
    await sqlite.close();
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['SQLITE_FULL', 'store_full'],
    ['SQLITE_IOERR_WRITE', 'store_io'],
    ['SQLITE_IOERR_SHMSIZE', 'store_io'],
    ['SQLITE_IOERR_FSYNC', 'store_io'],
    ['SQLITE_READONLY_DIRECTORY', 'store_not_writable'],
    ['SQLITE_READONLY_DBMOVED', 'store_not_writable'],
    ['SQLITE_CANTOPEN_ISDIR', 'store_not_writable'],
    ['SQLITE_BUSY_SNAPSHOT', 'store_busy'],
    ['SQLITE_LOCKED_SHAREDCACHE', 'store_busy'],
    ['SQLITE_CORRUPT_INDEX', 'store_unreadable'],
    ['EDQUOT', 'store_full'],
    ['EIO', 'store_io'],
  ])('SQLite %s is exit 5 (%s)', (code, expected) => {
    expect(sqlite.dialect.describeFailure(failure(code))).toMatchObject({ exitCode: 5, code: expected });
  });

  it.each([['SQLITE_CONSTRAINT_UNIQUE'], ['SQLITE_ERROR'], ['SQLITE_MISMATCH']])('SQLite %s is not the environment', (code) => {
    expect(sqlite.dialect.describeFailure(failure(code))).toBeUndefined();
  });

  it.each([
    ['ECONNREFUSED', 'store_unreachable'],
    ['08006', 'store_unreachable'],
    ['57P01', 'store_unreachable'],
    ['57P02', 'store_unreachable'],
    ['57P03', 'store_at_capacity'],
    ['28P01', 'store_auth'],
    ['40P01', 'store_conflict'],
    ['28000', 'store_auth'],
    ['3D000', 'store_missing'],
    ['25006', 'store_not_writable'],
    ['42501', 'store_not_writable'],
    ['53100', 'store_server'],
    ['53300', 'store_at_capacity'],
    ['58030', 'store_server'],
    ['XX001', 'store_server'],
  ])('PostgreSQL %s is exit 5 (%s), its password never in the message', (code, expected) => {
    const described = postgres.dialect.describeFailure(failure(code, 'server said postgres://deployer:hunter2-families@127.0.0.1:1/shiplog'));
    expect(described).toMatchObject({ exitCode: 5, code: expected });
    expect(described!.message).not.toContain('hunter2-families');
  });

  it.each([['23505'], ['22P02'], ['40001'], ['57014']])('PostgreSQL %s is not the environment', (code) => {
    expect(postgres.dialect.describeFailure(failure(code))).toBeUndefined();
  });

  it('a connection cut mid-query is a lost connection, which a follower rides out; a refused password is not', () => {
    expect(postgres.dialect.isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(postgres.dialect.isConnectionLoss(failure('57P01'))).toBe(true);
    expect(postgres.dialect.isConnectionLoss(failure('28P01'))).toBe(false);
    expect(sqlite.dialect.isConnectionLoss(failure('SQLITE_BUSY'))).toBe(false);
  });

  it('a connection refused for capacity, by PostgreSQL or by PgBouncer, is waited for; other refusals and protocol errors are not', () => {
    expect(postgres.dialect.isCapacityRefusal(failure('53300', 'sorry, too many clients already'))).toBe(true);
    expect(postgres.dialect.isCapacityRefusal(failure('57P03', 'the database system is starting up'))).toBe(true);
    expect(postgres.dialect.isCapacityRefusal(failure('08P01', 'no more connections allowed (max_client_conn)'))).toBe(true);
    expect(postgres.dialect.isCapacityRefusal(failure('08P01', 'client connections exceeded (max_db_client_connections)'))).toBe(true);
    expect(postgres.dialect.isCapacityRefusal(failure('08P01', 'query_wait_timeout'))).toBe(false);
    expect(postgres.dialect.isCapacityRefusal(failure('28P01', 'password authentication failed'))).toBe(false);
    expect(postgres.dialect.describeFailure(failure('08P01', 'no more connections allowed (max_client_conn)'))).toMatchObject({ exitCode: 5, code: 'store_at_capacity' });
    expect(sqlite.dialect.isCapacityRefusal(failure('SQLITE_BUSY'))).toBe(false);
  });
});
