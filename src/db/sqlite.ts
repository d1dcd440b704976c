import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import { EnvironmentError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { schemaIsCurrent } from './migrations.js';
import type { Database } from './schema.js';
import { openSqliteDatabase } from './sqlite-library.js';
import { StoreMissingError } from './store-spec.js';
import { withStatementCache } from './statement-cache.js';
import { Store, type StoreAccess, type SyncTransaction } from './store.js';

/** How long a writer waits for another process's transaction before giving up. */
const busyTimeoutMs = 15_000;
/** How long the last write of a process ending at once waits for another process's transaction. */
const lastWriteBusyMs = 1_000;

/**
 * Kysely begins SQLite transactions with a deferred BEGIN: two processes that both read and then write
 * deadlock on the upgrade, and SQLite answers SQLITE_BUSY at once, ignoring the busy timeout. BEGIN
 * IMMEDIATE takes the write lock up front, so writers queue behind the busy timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database: withStatementCache(database) });
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    const begin = settings?.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }

  /**
   * On a full disk or an I/O error SQLite has already rolled the transaction back itself; a second ROLLBACK
   * would fail with "no transaction is active" and that error would replace the real one.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.database);
  }
}

function sqliteDialect(path: string): StoreDialect {
  return {
    kind: 'sqlite',
    idColumn: 'integer primary key autoincrement',
    // BEGIN IMMEDIATE already holds the one write lock a SQLite file has.
    async lockMigrations() {},
    isUniqueViolation: (error) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE',
    // A file has no connection to lose.
    isConnectionLoss: () => false,
    isCapacityRefusal: () => false,
    describeFailure: (error) => describeSqliteFailure(error, path),
    // Nothing can take a file's write lock from a process stopped while it holds it: other writers wait their busy
    // timeout and fail. Such a process is on the same machine, where whoever stopped it can see it.
    async endIfStalled() {},
    // SQLite reuses the pages it freed, and reads a row's index entries without a visibility check.
    async reclaim() {},
  };
}

function storeOn(database: BetterSqlite3.Database, path: string): Store {
  return new Store(new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) }), sqliteDialect(path), path, undefined, syncTransaction(database));
}

/**
 * The last write of a process ending at once. A transaction Kysely left open on the connection, its next step
 * waiting on the event loop the process is leaving, would be lost with the process anyway: it is rolled back
 * first. Another process's lock is waited for only briefly, since the user asked for the end now.
 */
function syncTransaction(database: BetterSqlite3.Database): SyncTransaction {
  return (work) => {
    if (database.inTransaction) database.exec('rollback');
    database.pragma(`busy_timeout = ${lastWriteBusyMs}`);
    const run = (query: CompiledQuery) => {
      const statement = database.prepare(query.sql);
      if (statement.reader) return statement.all(...query.parameters);
      statement.run(...query.parameters);
      return [];
    };
    return database.transaction(() => work(run)).immediate();
  };
}

export async function openSqliteStore(path: string, access: StoreAccess, explicit: boolean): Promise<Store> {
  if (access === 'read' && !existsSync(path)) throw new StoreMissingError(path, explicit);
  if (access === 'read') {
    const store = storeOn(openReadOnly(path), path);
    let current: boolean;
    try {
      current = await store.read((tx) => schemaIsCurrent(tx));
    } catch (error) {
      await store.close();
      throw error;
    }
    if (current) return store;
    // An older schema is brought up to date, as every command does; the file exists, so nothing is created.
    await store.close();
  }
  const database = openWritable(path);
  const store = storeOn(database, path);
  try {
    if (access !== 'as-is') configure(database);
  } catch (error) {
    await store.close();
    throw describeSqliteFailure(error, path) ?? error;
  }
  return store;
}

/** An empty store in memory, with the current schema: what reading the default store answers before it exists. */
export async function openEmptyStore(path: string): Promise<Store> {
  const store = storeOn(openSqliteDatabase(':memory:'), path);
  await store.migrate();
  return store;
}

function openWritable(path: string): BetterSqlite3.Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is born 0600; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600));
    return openSqliteDatabase(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw describeSqliteFailure(error, path) ?? error;
  }
}

/**
 * Opens the file read-only. To read a WAL file SQLite needs its -shm index, which it cannot create in a
 * read-only directory; when there is no -wal file either, the main file holds every committed transaction,
 * so a copy of it in memory, marked as a rollback-journal file, reads the same.
 */
function openReadOnly(path: string): BetterSqlite3.Database {
  let database: BetterSqlite3.Database | undefined;
  try {
    database = openSqliteDatabase(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    database.pragma('schema_version');
    return database;
  } catch (error) {
    database?.close();
    const code = String((error as { code?: unknown }).code);
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test(code) || existsSync(`${path}-wal`)) throw describeSqliteFailure(error, path) ?? error;
  }
  try {
    const copy = readFileSync(path);
    const walFormat = 2;
    if (copy[18] === walFormat && copy[19] === walFormat) copy.fill(1, 18, 20);
    return openSqliteDatabase(copy, { readonly: true });
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

/**
 * Maps SQLite's error families (the primary code before any extended suffix: SQLITE_IOERR_WRITE is an
 * SQLITE_IOERR) and the file system's errors to the one line a user should read. Exit 5 for all of them:
 * the store's environment, not the user's input, is at fault.
 */
function describeSqliteFailure(error: unknown, path: string): EnvironmentError | undefined {
  const code = String((error as { code?: unknown }).code);
  const family = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const reason = (error as Error).message;
  const options = { cause: error };
  switch (family) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new EnvironmentError(`${path} is not a usable shiplog store (${reason}); point --db at another file or restore a backup`, 'store_unreadable', options);
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new EnvironmentError(`cannot write the store at ${path} (${reason}); check its permissions or choose another path with --db`, 'store_not_writable', options);
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
    case 'ENOENT':
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return new EnvironmentError(`cannot use ${path} as a store (${reason}); --db takes a file path`, 'store_not_writable', options);
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new EnvironmentError(`the store at ${path} stayed locked by another process for ${busyTimeoutMs / 1000}s; try again`, 'store_busy', options);
    case 'SQLITE_FULL':
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new EnvironmentError(`the disk holding ${path} is full (${reason}); free some space and try again`, 'store_full', options);
    case 'SQLITE_IOERR':
    case 'SQLITE_NOMEM':
    case 'SQLITE_PROTOCOL':
    case 'SQLITE_NOLFS':
    case 'EIO':
      return new EnvironmentError(`the store at ${path} could not be read or written (${reason}, ${code}); check the disk it is on: is it full or failing?`, 'store_io', options);
    default:
      return undefined;
  }
}

