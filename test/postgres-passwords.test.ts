import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv, runCli } from './support/cli.js';
import { canStartPostgresCluster, startPostgresCluster, type PostgresCluster } from './support/postgres-cluster.js';

// The bundled pg loads node:crypto only when a server asks for a password (scripts/build.mjs): these log in with
// each method a server may ask for, through the built CLI, on a cluster of their own whose pg_hba.conf asks for it.
const password = 'Pa55:w/rd@sec?ret';
const roles = { 'scram-sha-256': 'shiplog_scram', md5: 'shiplog_md5' } as const;
const trusted = 'shiplog_trusted';

describe.skipIf(!canStartPostgresCluster())('PostgreSQL logins with a password', () => {
  let cluster: PostgresCluster;
  const urlFor = (user: string, secret?: string) => {
    const url = new URL(cluster.url);
    url.username = user;
    if (secret !== undefined) url.password = secret;
    url.pathname = `/${user === 'postgres' ? trusted : user}`;
    return url.toString();
  };

  beforeAll(async () => {
    cluster = await startPostgresCluster(Object.entries(roles).map(([method, role]) => `host all ${role} 127.0.0.1/32 ${method}`));
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      for (const [method, role] of Object.entries(roles)) {
        await admin.query(`set password_encryption = '${method}'`);
        await admin.query(`create role ${role} login password '${password}'`);
        await admin.query(`create database ${role} owner ${role}`);
      }
      await admin.query(`create database ${trusted}`);
    } finally {
      await admin.end();
    }
  }, 60_000);
  afterAll(() => cluster?.stop());

  it.each(Object.entries(roles))('%s: deploy, history and status log in, and the password is never printed', async (_method, role) => {
    const db = urlFor(role, password);
    const deploy = await runCli(['--db', db, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0']);
    expect(deploy.code, deploy.stderr).toBe(0);
    for (const args of [['history'], ['status'], ['history', '--json']]) {
      const result = await runCli(['--db', db, ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('1.0.0');
      for (const printed of [password, encodeURIComponent(password)]) expect(result.stdout + result.stderr).not.toContain(printed);
    }
  });

  it.each(Object.entries(roles))('%s: a wrong password is exit 5, and neither password is printed', async (_method, role) => {
    const wrong = 'not-the-Pa55word';
    const result = await runCli(['--db', urlFor(role, wrong), 'history']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/refused the credentials/);
    for (const secret of [password, wrong]) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('a login the server trusts loads neither node:crypto nor node:dns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shiplog-trust-'));
    try {
      const traceFile = join(dir, 'trace');
      const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
      const run = spawnSync(process.execPath, ['--import', tracer, binPath, '--db', urlFor('postgres'), 'history'], {
        env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile }),
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const builtins = readFileSync(traceFile, 'utf8').split('\n').filter((line) => line.startsWith('node:'));
      expect(builtins).toContain('node:net');
      expect(builtins).not.toContain('node:crypto');
      expect(builtins).not.toContain('node:dns');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
