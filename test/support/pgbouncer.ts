import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './postgres-cluster.js';

export const pgbouncerPath = process.env.SHIPLOG_TEST_PGBOUNCER ?? '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** The URL of `server` through PgBouncer: the same user and database, PgBouncer's host and port. */
  url: string;
  stop(): void;
}

export interface PgBouncerSettings {
  /** default_pool_size: server connections for each database and user. */
  poolSize: number;
  /** max_client_conn: the clients PgBouncer takes at once, past which it refuses them. */
  maxClients: number;
  /**
   * max_user_connections: server connections for all databases together. PgBouncer opens a pool per database, and
   * the tests create a database each: without it, a run's idle pools could fill the server's max_connections.
   */
  maxServerConnections: number;
}

/**
 * Starts PgBouncer in transaction pooling mode in front of the PostgreSQL server at `serverUrl` (a trusted user, as
 * the test clusters have), every database of the server under its own name, on a free loopback port, with its
 * configuration, log and pid file in a temp dir. PgBouncer refuses to run as root: as root it runs as `postgres`.
 */
export async function startPgBouncer(serverUrl: string, settings: PgBouncerSettings): Promise<PgBouncer> {
  if (!existsSync(pgbouncerPath)) throw new Error(`no PgBouncer at ${pgbouncerPath}`);
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username) || 'postgres';
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-pgbouncer-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const config = join(dir, 'pgbouncer.ini');
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${settings.poolSize}`,
      `max_client_conn = ${settings.maxClients}`,
      `max_user_connections = ${settings.maxServerConnections}`,
      // Idle server connections close soon, so pools of databases a test dropped give their slots back.
      'server_idle_timeout = 5',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(pgbouncerPath, asRoot ? ['-u', 'postgres', config] : [config], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 10_000;
  while (!(await accepts(port))) {
    const code = await Promise.race([exited, sleep(50).then(() => 'running' as const)]);
    if (code !== 'running' || Date.now() > until) {
      const log = existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '';
      stop();
      throw new Error(`PgBouncer did not start (${code === 'running' ? 'no answer in 10 s' : `exit ${code}`}): ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
