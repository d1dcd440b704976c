import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { DoctorReport } from '../src/commands/doctor.js';
import { runCli, runCliJson, type CliResult } from './support/cli.js';
import { createTestStore, type TestStore } from './support/stores.js';

/** Every secret of this file carries this mark, so one search finds any of them anywhere. */
const secret = 'ShIpLoG-pw-93ab';

function expectOneLine(result: CliResult, exitCode: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toContain(secret);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('which store --db names', () => {
  let cwd: string;
  let tmp: string;
  let home: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'shiplog-cwd-'));
    tmp = mkdtempSync(join(tmpdir(), 'shiplog-tmpdir-'));
    home = mkdtempSync(join(tmpdir(), 'shiplog-home-'));
  });
  afterEach(() => {
    for (const dir of [cwd, tmp, home]) rmSync(dir, { recursive: true, force: true });
  });
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd, env: { TMPDIR: tmp, HOME: home, XDG_DATA_HOME: join(home, 'data'), ...env } });
  const nothingCreated = () => {
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  };

  for (const url of [`postgress://deployer:${secret}@db.internal/shiplog`, `mysql://root:${secret}@db.internal/shiplog`, 'sqlite:///var/lib/shiplog.db', 'sqlite://shiplog.db']) {
    const scheme = url.split(':')[0];
    it(`${url.replace(secret, '…')} is exit 2 naming the schemes understood, and creates no file, by --db or SHIPLOG_DB`, async () => {
      const pattern = new RegExp(`does not understand '${scheme}://'.*postgres:// or postgresql://`);
      expectOneLine(await run(['--db', url, 'deploy', '--app', 'web', '--env', 'prod']), 2, pattern);
      expectOneLine(await run(['deploy', '--app', 'web', '--env', 'prod'], { SHIPLOG_DB: url }), 2, pattern);
      expectOneLine(await run(['history'], { SHIPLOG_DB: url }), 2, pattern);
      nothingCreated();
    });
  }

  it('masks the password of a URL it refuses', async () => {
    const result = await run(['--db', `mysql://root:${secret}@db.internal/shiplog`, 'history']);
    expectOneLine(result, 2, /mysql:\/\/root:\*\*\*@db\.internal\/shiplog/);
  });

  it('a leading ~ is the home directory, from --db and from SHIPLOG_DB', async () => {
    const fromFlag = await run(['--db', '~/ci/shiplog.db', 'deploy', '--app', 'web', '--env', 'prod']);
    const fromEnv = await run(['deploy', '--app', 'api', '--env', 'prod'], { SHIPLOG_DB: '~/ci/shiplog.db' });

    expect(fromFlag.code, fromFlag.stderr).toBe(0);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(existsSync(join(home, 'ci', 'shiplog.db'))).toBe(true);
    expect(readdirSync(cwd)).toEqual([]);
    const { json } = await runCliJson<{ app: string }[]>(['--db', '~/ci/shiplog.db', 'history'], { cwd, env: { HOME: home } });
    expect(json.map((d) => d.app).sort()).toEqual(['api', 'web']);
  });

  for (const [what, url] of [
    ['a port that is not a number', `postgres://deployer:${secret}@127.0.0.1:54x2/shiplog`],
    ['an IPv6 host without its closing bracket', `postgres://deployer:${secret}@[::1/shiplog`],
    ['a socket directory that does not exist', `postgres://deployer:${secret}@localhost/shiplog?host=/nonexistent`],
    ['a port in the query that is not a number', `postgres://deployer@127.0.0.1/shiplog?port=5x&password=${secret}`],
  ] as const) {
    it(`a PostgreSQL URL with ${what} is exit 2, its password masked`, async () => {
      expectOneLine(await run(['--db', url, 'history']), 2, /is not a PostgreSQL URL shiplog can use \(.+\); the form is postgres:\/\//);
      nothingCreated();
    });
  }
});

describe('PostgreSQL credentials in messages', () => {
  for (const [form, url, shown] of [
    ['a raw @ inside the password', `postgres://deployer:abc@${secret}@127.0.0.1:1/shiplog`, 'postgres://deployer:***@127.0.0.1:1/shiplog'],
    ['a password in the query', `postgres://deployer@127.0.0.1:1/shiplog?password=${secret}`, 'postgres://deployer@127.0.0.1:1/shiplog?password=***'],
  ] as const) {
    it(`${form} is masked in an error and in doctor`, async () => {
      const failed = await runCli(['--db', url, 'history']);
      expectOneLine(failed, 5, new RegExp(`cannot reach the PostgreSQL store ${shown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

      const doctor = await runCliJson<DoctorReport>(['--db', url, 'doctor']);
      expect(doctor.result.code).toBe(5);
      expect(doctor.json.checks[0]).toMatchObject({ check: 'store', status: 'fail', message: expect.stringContaining(shown) });
      expect(doctor.result.stdout + doctor.result.stderr).not.toContain(secret);
    });
  }
});

describe('a reachable PostgreSQL store', () => {
  const admin = inject('postgresUrl');
  let store: TestStore;
  beforeEach(async () => {
    if (admin) store = await createTestStore('postgres');
  });
  afterEach(async () => store?.cleanup());

  it.skipIf(!admin)('doctor masks every credential form in what it reports', async () => {
    const withRawAt = new URL(store.spec);
    withRawAt.password = 'placeholder';
    const rawAt = withRawAt.toString().replace(':placeholder@', `:abc@${secret}@`);
    const inQuery = `${store.spec}?password=${secret}`;
    for (const url of [rawAt, inQuery]) {
      const { result, json } = await runCliJson<DoctorReport>(['--db', url, 'doctor', '--fix']);
      expect(result.code, result.stderr).toBe(0);
      expect(json.checks[0]).toMatchObject({ check: 'store', status: 'ok', message: expect.stringMatching(/\*\*\*.* is reachable and writable/) });
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it.skipIf(!admin)('sslmode=require means an encrypted connection, without pg printing its security warning', async () => {
    const result = await runCli(['--db', `${store.spec}?sslmode=require`, 'history']);
    // This server has no TLS, so require must refuse it rather than fall back to plain text.
    expectOneLine(result, 5, /PostgreSQL store .*sslmode=require.*(SSL|TLS)/);
    expect(result.stderr).not.toMatch(/SECURITY WARNING|Warning/);

    const plain = await runCli(['--db', `${store.spec}?sslmode=disable`, 'history']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/Warning/);
  });
});
