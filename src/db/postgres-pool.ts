import { existsSync } from 'node:fs';
import pg from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import { maskCredentials } from './masked-url.js';

// This module is built as a file of its own (dist/postgres-pool.cjs), which bin/shiplog.js loads before either CLI
// bundle and both bundles require: its state, the early pool, is one for the process. It throws none of
// shiplog's error classes, whose copies in a bundle would not recognise its instances.

/** A command needs one connection; a follower a second while the first waits. */
const poolSize = 4;

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
  const pool = new pg.Pool({ ...config, max: poolSize, application_name: 'shiplog', connectionTimeoutMillis: 10_000 });
  // An idle connection that breaks (server restart) must not crash a long-running follower.
  pool.on('error', () => undefined);
  return pool;
}

let early: { url: string; pool: Promise<pg.Pool> } | undefined;

/**
 * Starts connecting to the store before the CLI's code loads: PostgreSQL takes some 30 ms to start a backend for
 * a new connection, which then passes while the bundle is read and compiled instead of after. The connection
 * waits in the pool for the store to take it (`takeEarlyPool`). Nothing is reported from here: a URL pg cannot
 * use, or a connection that fails, is met again when the command opens the store, and reported there as it
 * would be without this.
 */
export function connectEarly(url: string): void {
  const read = readPostgresUrl(url);
  if ('problem' in read) return;
  const pool = createPool(read.config);
  // Settled before the store uses the pool: a connection still starting is not idle, and the pool would start
  // another beside it.
  const connected = pool.connect().then(
    (client) => client.release(),
    () => undefined,
  );
  early = { url, pool: connected.then(() => pool) };
}

/** The pool `connectEarly` started for this very URL, once its connection is made or failed; undefined for any other store. */
export function takeEarlyPool(url: string): Promise<pg.Pool> | undefined {
  if (early?.url !== url) return undefined;
  const { pool } = early;
  early = undefined;
  return pool;
}
