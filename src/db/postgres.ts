import { existsSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import { EnvironmentError, UsageError } from '../errors.js';
import { maskCredentials, maskUrl } from './masked-url.js';
import type { Database } from './schema.js';
import { Store, type StoreDialect } from './store.js';

/** Any fixed number: every shiplog process takes the same advisory lock while it migrates. */
const migrationLockId = 7_311_452_061;

/** A command needs one connection; a follower a second while the first waits. */
const poolSize = 4;

/** Errors that mean the connection was lost or refused, not that the work was wrong: a restart, a network cut. */
const connectionErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const connectionMessages = /Connection terminated|timeout exceeded when trying to connect|not queryable|server closed the connection/i;

export async function openPostgresStore(url: string): Promise<Store> {
  const location = maskUrl(url);
  const config = connectionConfig(url, location);
  const pool = new pg.Pool({ ...config, max: poolSize, application_name: 'shiplog', connectionTimeoutMillis: 10_000 });
  // An idle connection that breaks (server restart) must not crash a long-running follower.
  pool.on('error', () => undefined);
  const dialect: StoreDialect = {
    kind: 'postgres',
    idColumn: 'serial primary key',
    async lockMigrations(tx) {
      await sql`select pg_advisory_xact_lock(${migrationLockId})`.execute(tx);
    },
    isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
    isConnectionLoss,
    describeFailure: (error) => describePostgresFailure(error, url, location),
  };
  return new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect, location);
}

/**
 * The URL read as pg reads it (pg-connection-string), refused with exit 2 where pg could not use it. TLS
 * follows libpq's meaning of `sslmode` (require: encrypted, certificate not verified; verify-full: verified),
 * which is what a PostgreSQL URL means everywhere else, and pg then prints no warning about it.
 */
function connectionConfig(url: string, location: string): pg.ClientConfig {
  const malformed = (what: string) =>
    new UsageError(`--db ${location} is not a PostgreSQL URL shiplog can use (${what}); the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE`, 'bad_store');
  let config: pg.ClientConfig;
  try {
    const options = parse(url, /[?&]uselibpqcompat=/i.test(url) ? {} : { useLibpqCompat: true });
    if (options.port && !/^\d{1,5}$/.test(options.port)) throw new Error(`port '${options.port}' is not a number`);
    config = toClientConfig(options);
  } catch (error) {
    const invalid = (error as { code?: unknown }).code === 'ERR_INVALID_URL';
    const reason = invalid ? 'not a valid URL: check the port is a number, the brackets of an IPv6 host, and that the password percent-encodes / ? # [ ]' : maskCredentials(error instanceof Error ? error.message : String(error), url);
    throw malformed(reason);
  }
  if (config.port !== undefined && (config.port < 1 || config.port > 65_535)) throw malformed(`port ${config.port} is out of range`);
  if (config.host?.startsWith('/') && !existsSync(config.host)) throw malformed(`the socket directory ${config.host} does not exist`);
  return config;
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return connectionErrnos.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code);
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
  if (/SSL|TLS|certificate/i.test(reason) || /CERT|TLS|SSL/.test(code)) {
    return new EnvironmentError(`TLS to the PostgreSQL store ${location} failed (${reason}); check sslmode and the certificates in --db`, 'store_tls', options);
  }
  return undefined;
}
