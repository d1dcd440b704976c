import { existsSync } from 'node:fs';
import pg from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import { maskCredentials } from '../secrets/masked-url.js';

// This module is built as a file of its own (dist/postgres-pool.cjs), which bin/shiplog.js loads before either CLI
// bundle and both bundles require: its state, the early pool, is one for the process. It throws none of
// shiplog's error classes, whose copies in a bundle would not recognise its instances.

/** A command needs one connection; a follower a second while the first waits. */
const poolSize = 4;

/**
 * How long a connection stays open once its transaction ends. Long enough that the transactions of one step
 * (a deploy's record and its start, a status change and the next event's) share a connection; short enough that
 * none is held while a wrapped command runs, between heartbeats or while a follower waits, where a server of
 * max_connections = 100 would otherwise be full at 100 runners.
 */
const idleConnectionMs = 100;

/**
 * The URL read as pg reads it (pg-connection-string), or what keeps pg from using it. TLS follows libpq's meaning
 * of `sslmode` (require: encrypted, certificate not verified; verify-full: verified), which is what a PostgreSQL
 * URL means everywhere else, and pg then prints no warning about it.
 */
export function readPostgresUrl(url: string): { config: pg.ClientConfig } | { problem: string } {
  let config: pg.ClientConfig;
  try {
    const options = parse(url, /[?&]uselibpqcompat=/i.test(url) ? {} : { useLibpqCompat: true });
    if (options.port && !/^\d{1,5}$/.test(options.port)) throw new Error(`port '${options.port}' is not a number`);
    config = toClientConfig(options);
  } catch (error) {
    const invalid = (error as { code?: unknown }).code === 'ERR_INVALID_URL';
    return {
      problem: invalid
        ? 'not a valid URL: check the port is a number, the brackets of an IPv6 host, and that the password percent-encodes / ? # [ ]'
        : maskCredentials(error instanceof Error ? error.message : String(error), url),
    };
  }
  if (config.port !== undefined && (config.port < 1 || config.port > 65_535)) return { problem: `port ${config.port} is out of range` };
  if (config.host?.startsWith('/') && !existsSync(config.host)) return { problem: `the socket directory ${config.host} does not exist` };
  return { config };
}

/** The connections of a PostgreSQL store. */
export function createPool(config: pg.ClientConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, max: poolSize, idleTimeoutMillis: idleConnectionMs, application_name: 'shiplog', connectionTimeoutMillis: 10_000 });
  // A connection that breaks (a server restart) must not end a long-running follower. pg reports the break on the
  // client as well as on its query, and a client the pool has handed out (a transaction between two statements)
  // has no listener of the pool's: an error with none ends the process. Its transaction fails on its next
  // statement, which says the connection is lost; the pool drops the client when it comes back.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * The store's applied migrations, read as the store itself reads them (src/db/migrations.ts) to see whether its
 * schema is current; then a query on deployments that finds nothing, for what planning it makes a fresh backend
 * load: the catalog entries of the table and of each of its indexes. Every query command's statement plans on deployments,
 * and on a fresh backend that loading cost it ~3 of its ~7 ms.
 */
const firstQueries = 'select "name" from "shiplog_migrations"; select from "deployments" where "id" = 0';

/** What `connectEarly` started: the pool once its first connection is made or failed, and what that connection read. */
export interface EarlyConnection {
  pool: pg.Pool;
  /** The names in shiplog_migrations, or undefined when they could not be read (no such table yet, a failed connection). */
  appliedMigrations: string[] | undefined;
}

let early: { url: string; connection: Promise<EarlyConnection & { client?: pg.PoolClient }> } | undefined;

/**
 * Starts connecting to the store before the CLI's code loads: PostgreSQL takes some 30 ms to start a backend for
 * a new connection, which then passes while the bundle is read and compiled instead of after. As soon as the
 * backend is ready the connection sends its `firstQueries`: the applied migrations, the first thing every command
 * asks the store, and a warm-up of deployments. The server answers them (~8 ms on a fresh backend, which loads
 * its catalog caches then) while the command is still starting, and the store then need not ask. Nothing is
 * reported from here: a URL pg cannot use, or a connection that fails, is met again when the command opens the
 * store, and reported there as it would be without this.
 */
export function connectEarly(url: string): void {
  const read = readPostgresUrl(url);
  if ('problem' in read) return;
  const pool = createPool(read.config);
  // Settled before the store uses the pool: a connection still starting is not idle, and the pool would start
  // another beside it. The client stays checked out until the store takes it: released idle, it would close
  // after idleConnectionMs, which compiling the bundle can outlast.
  const connection = pool.connect().then(
    async (client) => {
      try {
        // Two statements, so pg answers with a result for each.
        const [migrations] = (await client.query(firstQueries)) as unknown as pg.QueryResult<{ name: string }>[];
        return { pool, client, appliedMigrations: migrations!.rows.map((row) => row.name) };
      } catch {
        return { pool, client, appliedMigrations: undefined };
      }
    },
    () => ({ pool, appliedMigrations: undefined }),
  );
  early = { url, connection };
}

/** The connection `connectEarly` started for this very URL, once it is made or failed; undefined for any other store. */
export function takeEarlyConnection(url: string): Promise<EarlyConnection> | undefined {
  if (early?.url !== url) return undefined;
  const { connection } = early;
  early = undefined;
  return connection.then(({ client, ...made }) => {
    client?.release();
    return made;
  });
}
