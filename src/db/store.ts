import type { Kysely, Transaction } from 'kysely';
import { EnvironmentError, ShiplogError } from '../errors.js';
import type { Database } from './schema.js';
import { migrate } from './migrations.js';

/** A query target: the store itself or a transaction on it. Query functions take this, never a connection. */
export type Queryable = Kysely<Database> | Transaction<Database>;

/** What differs between SQLite and PostgreSQL, kept in one place so no command branches on the kind. */
export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** The primary key column's type in CREATE TABLE. */
  readonly idColumn: string;
  /** Serializes migrations across processes; runs inside the migration's transaction. */
  lockMigrations(tx: Transaction<Database>): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
  /** Turns a driver error into the one line a user should read, or undefined when it is not the store's fault. */
  describeFailure(error: unknown): EnvironmentError | undefined;
}

/**
 * The store a command works on. `write` and `read` each run one transaction and hand back what the callback
 * returned: plain values only, so no row, connection or transaction outlives them.
 */
export class Store {
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    /** Where the store lives, safe to print (a path, or a URL with its password masked). */
    readonly location: string,
  ) {}

  /** A write transaction; on SQLite it begins IMMEDIATE so racing writers queue instead of failing busy. */
  write<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.run(() => this.db.transaction().execute(work));
  }

  read<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.run(() => this.db.transaction().setAccessMode('read only').execute(work));
  }

  async migrate(): Promise<void> {
    await this.run(() => migrate(this.db, this.dialect));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ShiplogError) throw error;
      throw this.dialect.describeFailure(error) ?? error;
    }
  }
}

/**
 * Opens the store named by `--db` / `SHIPLOG_DB` (a path or a postgres URL) and brings its schema up to date;
 * `migrate: false` opens it as it is, for `doctor`, which reports the schema before it changes anything.
 */
export async function openStore(spec: string | undefined, options: { migrate?: boolean } = {}): Promise<Store> {
  const location = spec && spec.length > 0 ? spec : undefined;
  const store = location && /^postgres(ql)?:\/\//i.test(location)
    ? await (await import('./postgres.js')).openPostgresStore(location)
    : await (await import('./sqlite.js')).openSqliteStore(location);
  if (options.migrate === false) return store;
  try {
    await store.migrate();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
