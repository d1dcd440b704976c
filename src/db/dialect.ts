import type { Transaction } from 'kysely';
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
}
