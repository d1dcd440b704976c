import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { EnvironmentError } from '../errors.js';
import type { Database } from './schema.js';

/** What differs between SQLite and PostgreSQL, kept in one place so no command branches on the kind. */
export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** The primary key column's type in CREATE TABLE. */
  readonly idColumn: string;
  /** Serializes migrations across processes; runs inside the migration's transaction. */
  lockMigrations(tx: Transaction<Database>): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
  /** The connection to the store was lost or refused, as in a server restart: the work may succeed if retried. */
  isConnectionLoss(error: unknown): boolean;
  /** The server refused a new connection for capacity (too many clients): nothing was done, and a wait may free one. */
  isCapacityRefusal(error: unknown): boolean;
  /** Turns a driver error into the one line a user should read, or undefined when it is not the store's fault. */
  describeFailure(error: unknown): EnvironmentError | undefined;
  /**
   * Has the server end this transaction, and its session, should its client fall silent inside it for `ms`, so the
   * row locks it holds are let go. Runs first in the transaction.
   */
  endIfStalled(tx: Transaction<Database>, ms: number): Promise<void>;
  /**
   * After a change to a large part of the store (cleanup's merges and prunes): reclaims the rows it deleted and
   * relearns the tables' statistics now, where the next reads would otherwise pay for the dead rows until the
   * server's own maintenance came round. Outside any transaction.
   */
  reclaim(db: Kysely<Database>): Promise<void>;
}

/**
 * Per bucket of `rows` (a query of `bucket`, `value` and `flag` columns, `value` null where nothing was measured,
 * `flag` 1 on rows to count apart): how many rows, how many have a value, how many are flagged, and the median of the values, the mean of the middle two for an even count as DORA's
 * medians are taken. PostgreSQL has `percentile_cont`; SQLite has no ordered aggregate, so each value's rank in its
 * bucket is taken by a window and the middle ones are kept.
 */
export function medianByBucket(kind: StoreDialect['kind'], rows: RawBuilder<unknown>): RawBuilder<BucketMedian> {
  if (kind === 'postgres') {
    return sql<BucketMedian>`
      select bucket, count(*) as total, count(value) as measured, sum(flag) as flagged, percentile_cont(0.5) within group (order by value) as median
      from (${rows}) as r group by bucket`;
  }
  return sql<BucketMedian>`
    select bucket, count(*) as total, count(value) as measured, sum(flag) as flagged,
      avg(case when value is not null and rank in ((valued + 1) / 2, (valued + 2) / 2) then value end) as median
    from (
      select bucket, value, flag,
        row_number() over (partition by bucket, value is null order by value) as rank,
        count(value) over (partition by bucket) as valued
      from (${rows}) as r
    ) as ranked
    group by bucket`;
}

/** A row of medianByBucket; PostgreSQL answers counts and medians as text (bigint, double precision). */
export interface BucketMedian {
  bucket: string;
  total: number | string;
  measured: number | string;
  flagged: number | string;
  median: number | string | null;
}
