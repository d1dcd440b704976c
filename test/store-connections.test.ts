import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runCliJson, startCli, type CliResult } from './support/cli.js';
import { canStartPostgresCluster, startPostgresCluster, type PostgresCluster } from './support/postgres-cluster.js';

/** The server's max_connections: small, so a test fills it with connections of its own. */
const maxConnections = 6;

async function waitUntil(what: string, check: () => boolean, child?: ChildProcess): Promise<void> {
  const until = Date.now() + 30_000;
  while (!check()) {
    if (child && child.exitCode !== null) throw new Error(`the process ended (exit ${child.exitCode}) before ${what}`);
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** What a started CLI has written to stderr so far. */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

const waitingLine = /takes no new connection now \(sorry, too many clients already\); waiting up to \d+s for one/;

describe.skipIf(!canStartPostgresCluster())('PostgreSQL connections, held only inside transactions', () => {
  let server: PostgresCluster;
  let db: string;
  let dir: string;
  let held: pg.Client[] = [];

  /** Takes every connection the server has left, as a burst of other runners would. */
  async function takeEveryConnection(): Promise<void> {
    for (;;) {
      const client = new pg.Client({ connectionString: server.url });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        expect((error as { code?: string }).code).toBe('53300');
        return;
      }
      held.push(client);
    }
  }

  async function releaseConnections(count = held.length): Promise<void> {
    await Promise.all(held.splice(0, count).map((client) => client.end()));
  }

  async function shiplogBackends(): Promise<string[]> {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ state: string }>(`select state from pg_stat_activity where application_name = 'shiplog'`);
      return rows.map((row) => row.state);
    } finally {
      await admin.end();
    }
  }

  /** A wrapped command that says it runs (a file `ready`), then runs until the test creates `go`. */
  function heldCommand(): { argv: string[]; ready: string; go: string } {
    const ready = join(dir, 'ready');
    const go = join(dir, 'go');
    return { argv: ['sh', '-c', `touch ${ready}; while [ ! -e ${go} ]; do sleep 0.05; done`], ready, go };
  }

  beforeAll(async () => {
    server = await startPostgresCluster([], maxConnections);
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database shiplog');
    await admin.end();
    const url = new URL(server.url);
    url.pathname = '/shiplog';
    db = url.toString();
    // The schema first, so each test's deploy is the store's everyday work and not its migration.
    expect((await runCli(['--db', db, 'deploy', '--app', 'setup', '--env', 'prod', '--', 'true'])).code).toBe(0);
  }, 120_000);
  afterAll(() => server?.stop());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-connections-'));
  });
  afterEach(async () => {
    await releaseConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a deploy holds no connection while its command runs', async () => {
    const command = heldCommand();
    const deploy = startCli(['--db', db, 'deploy', '--app', 'idle', '--env', 'prod', '--', ...command.argv]);
    await waitUntil('the command runs', () => existsSync(command.ready), deploy);
    // The deploy's last transactions of its start (the lease, the start's details) may still follow the command's
    // start on a busy machine; pg's pool used to keep their connection idle for 10 s after. Then nothing until the
    // first heartbeat, 5 s after the start.
    const settledBy = Date.now() + 3_000;
    while ((await shiplogBackends()).length > 0 && Date.now() < settledBy) await sleep(50);
    const seen: string[][] = [];
    for (let sample = 0; sample < 4; sample++) {
      seen.push(await shiplogBackends());
      await sleep(250);
    }
    writeFileSync(command.go, '');
    expect((await deploy.result).code).toBe(0);
    expect(seen).toEqual([[], [], [], []]);
  });

  it('a deploy refused a connection for capacity waits, says so once, and succeeds once one frees', async () => {
    await takeEveryConnection();
    const deploy = startCli(['--db', db, 'deploy', '--key', 'busy-1', '--app', 'busy', '--env', 'prod', '--', 'true']);
    const stderr = stderrOf(deploy);
    await waitUntil('the deploy says it waits', () => waitingLine.test(stderr()), deploy);
    await sleep(1_500);
    await releaseConnections(1);
    const result: CliResult = await deploy.result;
    expect(result.code, result.stderr).toBe(0);
    expect(stderr().split('\n').filter((line) => waitingLine.test(line))).toHaveLength(1);
    const { json } = await runCliJson(['--db', db, 'show', result.stdout.trim()]);
    expect(json.status).toBe('success');
  });

  it('a deploy whose command ends while the store is full records its outcome once a connection frees', async () => {
    const command = heldCommand();
    const deploy = startCli(['--db', db, 'deploy', '--key', 'busy-2', '--app', 'late', '--env', 'prod', '--', ...command.argv]);
    const stderr = stderrOf(deploy);
    await waitUntil('the command runs', () => existsSync(command.ready), deploy);
    await sleep(300);
    await takeEveryConnection();
    writeFileSync(command.go, '');
    await waitUntil('the deploy says it waits', () => waitingLine.test(stderr()), deploy);
    await sleep(1_000);
    await releaseConnections(1);
    const result = await deploy.result;
    expect(result.code, result.stderr).toBe(0);
    const { json } = await runCliJson(['--db', db, 'show', result.stdout.trim()]);
    expect(json.status).toBe('success');
    expect(json.events!.map((event) => event.to)).toEqual(['pending', 'running', 'success']);
  });

  it('a deploy that never gets a connection within --timeout exits 5 with one line, and records nothing', async () => {
    await takeEveryConnection();
    const result = await runCli(['--db', db, 'deploy', '--timeout', '2s', '--key', 'never-1', '--app', 'never', '--env', 'prod', '--', 'true']);
    expect(result.code).toBe(5);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/waiting up to 2s for one/);
    expect(lines[1]).toMatch(/^shiplog: the PostgreSQL store postgres:\/\/.*\/shiplog still refuses new connections after shiplog waited for one \(sorry, too many clients already, SQLSTATE 53300\); .*PgBouncer/);
    expect(result.stdout).toBe('');
    await releaseConnections();
    const { json } = await runCliJson<unknown[]>(['--db', db, 'history', '--app', 'never']);
    expect(json).toEqual([]);
  });
});
