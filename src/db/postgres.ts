import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { EnvironmentError } from '../errors.js';
import type { Database } from './schema.js';
import { Store, type StoreDialect } from './store.js';

/** Any fixed number: every shiplog process takes the same advisory lock while it migrates. */
const migrationLockId = 7_311_452_061;

/** A command needs one connection; a follower a second while the first waits. */
const poolSize = 4;

/** Hides the password of a postgres URL, for every message and `location`. */
export function maskUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

export async function openPostgresStore(url: string): Promise<Store> {
  const location = maskUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'shiplog', connectionTimeoutMillis: 10_000 });
  // An idle connection that breaks (server restart) must not crash a long-running follower.
  pool.on('error', () => undefined);
  const dialect: StoreDialect = {
    kind: 'postgres',
    idColumn: 'serial primary key',
    async lockMigrations(tx) {
      await sql`select pg_advisory_xact_lock(${migrationLockId})`.execute(tx);
    },
    isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
    describeFailure: (error) => describePostgresFailure(error, location),
  };
  return new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect, location);
}

function describePostgresFailure(error: unknown, location: string): EnvironmentError | undefined {
  const code = (error as { code?: unknown }).code;
  const reason = maskUrl((error as Error).message ?? String(error));
  if (typeof code !== 'string') {
    return /timeout|terminated|Connection/i.test(reason)
      ? new EnvironmentError(`cannot reach the PostgreSQL store ${location} (${reason}); check that the server is up`, 'store_unreachable', { cause: error })
      : undefined;
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) || code.startsWith('08') || code === '57P01' || code === '57P03') {
    return new EnvironmentError(`cannot reach the PostgreSQL store ${location} (${reason}); check the host, port and that the server is up`, 'store_unreachable', { cause: error });
  }
  if (code.startsWith('28')) {
    return new EnvironmentError(`the PostgreSQL store ${location} refused the credentials (${reason}); check the user and password in --db`, 'store_auth', { cause: error });
  }
  if (code === '3D000') {
    return new EnvironmentError(`the PostgreSQL database in ${location} does not exist (${reason}); create it first`, 'store_missing', { cause: error });
  }
  if (code === '25006' || code === '42501') {
    return new EnvironmentError(`cannot write the PostgreSQL store ${location} (${reason}); the user needs write access`, 'store_not_writable', { cause: error });
  }
  return undefined;
}
