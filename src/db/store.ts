import type { CompiledQuery, Compilable, Kysely, Transaction } from 'kysely';
import { ShiplogError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { migrate } from './migrations.js';
import { capacityPolicy, connectionLossPolicy, OutageRideOut, storeCapacityWaitMs } from './outage-ride-out.js';
import type { Database } from './schema.js';
import { collectStatusChanges, type StatusChange } from './status-changes.js';

/** A query target: the store itself or a transaction on it. Query functions take this, never a connection. */
export type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * How a command uses the store:
 * - `write` creates it if missing, switches SQLite to WAL, and migrates it;
 * - `read` never creates it: SQLite opens read-only (a read-only mount works); an older schema is migrated;
 * - `as-is` opens it read-write as it is (no WAL, no migration), for `doctor`, which reports before it fixes
 *   (a missing SQLite file is created: doctor opens one only with --fix).
 */
export type StoreAccess = 'write' | 'read' | 'as-is';

/** How a command waits out a store that refuses connections for capacity. */
export interface CapacityWait {
  /** Tells the user, once a wait, on stderr. */
  say: (line: string) => void;
  /** How long to wait for a connection, at most: `--timeout` where the command has one; else storeCapacityWaitMs. */
  boundMs?: number;
}

/** Runs compiled statements synchronously, as one write transaction: what a SQLite store can do and PostgreSQL cannot. */
export type SyncTransaction = <T>(work: (run: (query: CompiledQuery) => unknown[]) => T) => T;

/**
 * The store a command works on. `write` and `read` each run one transaction and hand back what the callback
 * returned: plain values only, so no row, connection or transaction outlives them.
 */
export class Store {
  private rideOut: OutageRideOut | undefined;
  private capacityWait: OutageRideOut | undefined;
  private statusListener: ((changes: readonly StatusChange[]) => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    /** Where the store lives, safe to print (a path, or a URL with its credentials masked). */
    readonly location: string,
    /** The migrations the store was seen to have as it was opened, read on the way (PostgreSQL's early connection). */
    private appliedAtOpen?: Set<string>,
    private readonly syncTransaction?: SyncTransaction,
  ) {}

  /** A write transaction; on SQLite it begins IMMEDIATE so racing writers queue instead of failing busy. */
  write<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.run(async () => {
      // A fresh list for each attempt: a transaction retried after a lost connection counts its changes once.
      const changes: StatusChange[] = [];
      const result = await this.db.transaction().execute((tx) => {
        collectStatusChanges(tx, changes);
        return work(tx);
      });
      if (changes.length > 0) this.statusListener?.(changes);
      return result;
    });
  }

  /**
   * For a process that must end at once (a second Ctrl-C): runs `work` as one write transaction before this call
   * returns, and returns true; false, running nothing, when the store cannot (PostgreSQL, where every statement is
   * a round trip on the event loop the process is leaving). `work` builds its statements with `db` and runs each
   * with `run`, which returns the rows of a statement that has any. Nobody hears of its status changes.
   */
  writeNow(work: (db: Kysely<Database>, run: (query: Compilable) => unknown[]) => void): boolean {
    if (!this.syncTransaction) return false;
    this.syncTransaction((run) => work(this.db, (query) => run(query.compile())));
    return true;
  }

  /** `listener` hears of the status changes of each write transaction once it has committed, never inside it. */
  onStatusChanges(listener: (changes: readonly StatusChange[]) => void): void {
    this.statusListener = listener;
  }

  /**
   * A read transaction: all its statements see the store as it was at its first. PostgreSQL's default isolation,
   * read committed, would let each statement see what committed since the one before (show's record still
   * running, its events already ending in success); repeatable read, which a read-only transaction keeps without
   * ever failing, takes one snapshot. SQLite's read transactions do so always (and take no isolation level).
   */
  read<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.run(() => this.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work));
  }

  /**
   * See StoreDialect's reclaim: after a change to a large part of the store, committed already. Upkeep the server
   * would do on its own later, so it cannot fail what came before it: returns why it could not be done, or null.
   */
  async reclaim(): Promise<string | null> {
    try {
      await this.run(() => this.dialect.reclaim(this.db));
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async migrate(): Promise<void> {
    const applied = this.appliedAtOpen;
    this.appliedAtOpen = undefined;
    const upgraded = await this.run(() => migrate(this.db, this.dialect, applied));
    // Where the upkeep cannot be done now, the server's autovacuum does it later.
    if (upgraded) await this.reclaim();
  }

  /**
   * From now on, a transaction that loses its connection (a PostgreSQL restart) is retried with backoff for a
   * bounded time, `say` telling the user, instead of ending the command. For long-running followers, whose
   * every transaction is short and safe to repeat: a status change is a compare-and-set.
   */
  rideOutOutages(say: (line: string) => void): void {
    this.rideOut = new OutageRideOut(connectionLossPolicy((error) => this.dialect.isConnectionLoss(error), this.location), say);
  }

  /**
   * From now on, a transaction refused a connection for capacity (a server at max_connections, a PgBouncer at
   * max_client_conn) waits with jittered backoff for one instead of failing: it never began, so it runs whole
   * once one is free. A deployment's outcome is thus never lost to a busy store, only delayed.
   */
  waitForCapacity({ say, boundMs = storeCapacityWaitMs }: CapacityWait): void {
    this.capacityWait = new OutageRideOut(capacityPolicy((error) => this.dialect.isCapacityRefusal(error), this.location, boundMs), say);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    const { capacityWait, rideOut } = this;
    const connected = capacityWait ? () => capacityWait.run(work) : work;
    try {
      return await (rideOut ? rideOut.run(connected) : connected());
    } catch (error) {
      if (error instanceof ShiplogError) throw error;
      throw this.dialect.describeFailure(error) ?? error;
    }
  }
}
