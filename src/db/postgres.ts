import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { EnvironmentError, UsageError } from '../errors.js';
import { maskCredentials, maskUrl } from '../secrets/masked-url.js';
import type { StoreDialect } from './dialect.js';
import { createPool, readPostgresUrl, takeEarlyConnection } from './postgres-pool.js';
import type { Database } from './schema.js';
import { Store } from './store.js';

/** Any fixed number: every shiplog process takes the same advisory lock while it migrates. */
const migrationLockId = 7_311_452_061;

/** Errors that mean the connection was lost or refused, not that the work was wrong: a restart, a network cut. */
const connectionErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const connectionMessages = /Connection terminated|timeout exceeded when trying to connect|not queryable|server closed the connection/i;

/**
 * PostgreSQL's refusals of a new connection for capacity: too many clients (53300), and cannot connect now (57P03:
 * starting up or shutting down). PgBouncer refuses its own clients past max_client_conn (or a per-database or
 * per-user cap) with the generic protocol violation 08P01, so its message tells them apart.
 */
const capacitySqlstates = new Set(['53300', '57P03']);
const bouncerCapacityMessages = /no more connections allowed|client connections exceeded/i;

export async function openPostgresStore(url: string): Promise<Store> {
  const location = maskUrl(url);
  const early = await takeEarlyConnection(url);
  const pool = early?.pool ?? createPool(postgresConfig(url, location));
  const dialect: StoreDialect = {
    kind: 'postgres',
    idColumn: 'serial primary key',
    async lockMigrations(tx) {
      await sql`select pg_advisory_xact_lock(${migrationLockId})`.execute(tx);
    },
    isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
    isConnectionLoss,
    isCapacityRefusal,
    describeFailure: (error) => describePostgresFailure(error, url, location),
    async endIfStalled(tx, ms) {
      // SET takes no parameters; `local` ends with the transaction, as PgBouncer's transaction pooling requires.
      await sql.raw(`set local idle_in_transaction_session_timeout = ${Math.max(1, Math.round(ms))}`).execute(tx);
    },
    async reclaim(db) {
      // A deleted or rewritten row stays until VACUUM and clears its page's all-visible bit, so index-only scans
      // (outages, lead time) read the table as well until autovacuum comes round, a minute or more later. Shiplog's
      // tables only: the database may hold others'. A user who does not own them gets a warning from the server for
      // each, and nothing fails.
      await sql`vacuum (analyze) deployments, deployment_events, merged_deployments, last_successes, deployment_commits, delivered_changes, deployment_weeks`.execute(db);
    },
  };
  const appliedMigrations = early?.appliedMigrations === undefined ? undefined : new Set(early.appliedMigrations);
  return new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect, location, appliedMigrations);
}

/** The URL as pg reads it; exit 2 where pg could not use it. */
function postgresConfig(url: string, location: string): pg.ClientConfig {
  const read = readPostgresUrl(url);
  if ('problem' in read) {
    throw new UsageError(`--db ${location} is not a PostgreSQL URL shiplog can use (${read.problem}); the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE`, 'bad_store');
  }
  return read.config;
}

function isCapacityRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (capacitySqlstates.has(code) || (code === '08P01' && error instanceof Error && bouncerCapacityMessages.test(error.message)));
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // 25P03: the server ended a session left idle inside a transaction past its limit (endIfStalled).
  if (typeof code === 'string') return connectionErrnos.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '25P03'].includes(code);
  return error instanceof Error && connectionMessages.test(error.message);
}

/**
 * Maps pg's error families (SQLSTATE classes, and the socket's errors) to the one line a user should read;
 * exit 5 for all of them. Credentials of the URL never reach the message.
 */
function describePostgresFailure(error: unknown, url: string, location: string): EnvironmentError | undefined {
  const code = String((error as { code?: unknown }).code ?? '');
  const reason = maskCredentials(error instanceof Error ? error.message : String(error), url);
  const options = { cause: error };
  if (isCapacityRefusal(error)) {
    return new EnvironmentError(
      `the PostgreSQL store ${location} still refuses new connections after shiplog waited for one (${reason}, SQLSTATE ${code}); run again later, or raise its max_connections or put PgBouncer in front of it (see the README)`,
      'store_at_capacity',
      options,
    );
  }
  if (isConnectionLoss(error) || code === 'ENOTFOUND' || (code.startsWith('57') && code !== '57014')) {
    return new EnvironmentError(`cannot reach the PostgreSQL store ${location} (${reason}); check the host, port and that the server is up`, 'store_unreachable', options);
  }
  if (code.startsWith('28')) {
    return new EnvironmentError(`the PostgreSQL store ${location} refused the credentials (${reason}); check the user and password in --db`, 'store_auth', options);
  }
  if (code === '3D000') {
    return new EnvironmentError(`the PostgreSQL database in ${location} does not exist (${reason}); create it first`, 'store_missing', options);
  }
  if (code === '25006' || code === '42501') {
    return new EnvironmentError(`cannot write the PostgreSQL store ${location} (${reason}); the user needs write access`, 'store_not_writable', options);
  }
  if (code.startsWith('53') || code.startsWith('58') || code.startsWith('XX')) {
    return new EnvironmentError(`the PostgreSQL server of ${location} failed (${reason}, SQLSTATE ${code}); its disk, memory or connections may be exhausted: ask its administrator`, 'store_server', options);
  }
  if (code === '40P01') {
    // Two commands each waiting for what the other holds (a cleanup and an import changing the same pairs' last
    // successes in opposite orders): the server rolls one back whole, and running it again finds the way free.
    return new EnvironmentError(
      `the PostgreSQL store ${location} rolled this transaction back: it and another command's each waited for what the other held (deadlock detected); nothing it wrote was kept, so run the command again`,
      'store_conflict',
      options,
    );
  }
  if (/SSL|TLS|certificate/i.test(reason) || /CERT|TLS|SSL/.test(code)) {
    return new EnvironmentError(`TLS to the PostgreSQL store ${location} failed (${reason}); check sslmode and the certificates in --db`, 'store_tls', options);
  }
  return undefined;
}
