import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binDir = process.env.SHIPLOG_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** Admin URL (user postgres, database postgres) of a server tests may create databases on. */
  url: string;
  /** Stops the server as a restart does (every connection cut), keeping its data for `resume`. */
  halt(): void;
  /** Starts the halted server again, on the same port. */
  resume(): void;
  stop(): void;
}

/** Whether this machine has the PostgreSQL binaries a throwaway cluster needs. */
export function canStartPostgresCluster(): boolean {
  return existsSync(join(binDir, 'initdb'));
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb into a temp dir, fsync off, loopback only) for one test run.
 * As root it runs the server as the `postgres` user, which needs a directory it can reach. Every connection is
 * trusted, except as `hba` lines (pg_hba.conf's, matched before the rest) say: a password method for some user.
 * `maxConnections` is the server's max_connections (superuser slots included: every trusted user here is one).
 */
export async function startPostgresCluster(hba: readonly string[] = [], maxConnections = 300): Promise<PostgresCluster> {
  if (!canStartPostgresCluster()) throw new Error(`no PostgreSQL binaries in ${binDir}`);
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-pg-'));
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const run = (program: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', join(binDir, program), ...args] : [join(binDir, program), ...args];
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout || result.error?.message}`);
  };
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8']);
  const hbaFile = join(data, 'pg_hba.conf');
  writeFileSync(hbaFile, [...hba, readFileSync(hbaFile, 'utf8')].join('\n'));
  const start = () =>
    run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'server.log'), '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${maxConnections}`, 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt: () => run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']),
    resume: start,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A TCP port on loopback that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
