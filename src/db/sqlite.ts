import { closeSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import { EnvironmentError } from '../errors.js';
import type { Database } from './schema.js';
import { Store, type StoreDialect } from './store.js';

/** How long a writer waits for another process's transaction before giving up. */
const busyTimeoutMs = 15_000;

/**
 * Kysely begins SQLite transactions with a deferred BEGIN: two processes that both read and then write
 * deadlock on the upgrade, and SQLite answers SQLITE_BUSY at once, ignoring the busy timeout. BEGIN
 * IMMEDIATE takes the write lock up front, so writers queue behind the busy timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    const begin = settings?.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(dataHome, 'shiplog', 'shiplog.db');
}

function sqliteDialect(path: string): StoreDialect {
  return {
    kind: 'sqlite',
    idColumn: 'integer primary key autoincrement',
    // BEGIN IMMEDIATE already holds the one write lock a SQLite file has.
    async lockMigrations() {},
    isUniqueViolation: (error) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE',
    describeFailure: (error) => describeSqliteFailure(error, path),
  };
}

export async function openSqliteStore(spec: string | undefined): Promise<Store> {
  const path = resolve(spec ?? defaultSqlitePath());
  const database = openDatabase(path);
  const store = new Store(new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) }), sqliteDialect(path), path);
  try {
    configure(database);
  } catch (error) {
    await store.close();
    throw describeSqliteFailure(error, path) ?? error;
  }
  return store;
}

function openDatabase(path: string): BetterSqlite3.Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is born 0600; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600));
    return new BetterSqlite3(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw describeSqliteFailure(error, path) ?? error;
  }
}

function configure(database: BetterSqlite3.Database): void {
  if (database.pragma('journal_mode', { simple: true }) !== 'wal') {
    database.pragma('journal_mode = WAL');
  }
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
}

function describeSqliteFailure(error: unknown, path: string): EnvironmentError | undefined {
  const code = (error as { code?: unknown }).code;
  const reason = (error as Error).message;
  switch (code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new EnvironmentError(`${path} is not a usable shiplog store (${reason}); point --db at another file or restore a backup`, 'store_unreadable', { cause: error });
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new EnvironmentError(`cannot write the store at ${path} (${reason}); check its permissions or choose another path with --db`, 'store_not_writable', { cause: error });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
    case 'ENOENT':
      return new EnvironmentError(`cannot use ${path} as a store (${reason}); --db takes a file path`, 'store_not_writable', { cause: error });
    case 'SQLITE_BUSY':
      return new EnvironmentError(`the store at ${path} stayed locked by another process for ${busyTimeoutMs / 1000}s; try again`, 'store_busy', { cause: error });
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return new EnvironmentError(`the disk holding ${path} is full`, 'store_full', { cause: error });
    default:
      return undefined;
  }
}
