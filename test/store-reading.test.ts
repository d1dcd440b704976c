import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/commands/doctor.js';
import { binPath, cliEnv, runCli, runCliJson, type CliResult, type DeploymentJson } from './support/cli.js';

/** The read commands: they never create a store, and read an existing one read-only. */
const reads = (key: string) => [['history'], ['show', key], ['status'], ['diff', key, key], ['stats']];

/** root writes anywhere: a permission test runs the CLI as an unprivileged user, which needs one to exist. */
const asRoot = process.getuid?.() === 0;
const unprivileged = asRoot && spawnSync('id', ['-u', 'postgres']).status === 0 ? 'postgres' : asRoot ? undefined : userInfo().username;

function runAs(user: string | undefined, args: string[]): CliResult {
  const argv = asRoot ? ['runuser', '-u', user!, '--', process.execPath, binPath, ...args] : [process.execPath, binPath, ...args];
  const run = spawnSync(argv[0]!, argv.slice(1), { env: cliEnv(), encoding: 'utf8' });
  return { code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function journalMode(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma('journal_mode', { simple: true }));
  } finally {
    db.close();
  }
}

describe('reading a store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-read-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('read commands on a missing --db store exit 2 naming the path, and create nothing', async () => {
    const path = join(dir, 'nested', 'shiplog.db');
    for (const args of reads('dep_01')) {
      const result = await runCli(['--db', path, ...args]);
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`no store at ${path}`)]);
      const fromEnv = await runCli(args, { env: { SHIPLOG_DB: path } });
      expect(fromEnv.code, fromEnv.stderr).toBe(2);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('read commands on a default store that does not exist yet answer empty, with a hint on stderr, and create nothing', async () => {
    const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data') };
    const history = await runCli(['history'], { env });
    const json = await runCliJson<DeploymentJson[]>(['history'], { env });
    const status = await runCliJson<unknown[]>(['status'], { env });
    const stats = await runCli(['stats'], { env });

    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout.trim()).toBe('no deployments match');
    expect(history.stderr).toMatch(new RegExp(`no store at ${join(dir, 'data', 'shiplog', 'shiplog.db')} yet.*'shiplog deploy' creates it`));
    expect(json.json).toEqual([]);
    expect(status.json).toEqual([]);
    expect(stats.code, stats.stderr).toBe(0);
    expect((await runCli(['show', 'dep_01'], { env })).code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('read commands leave a rollback-journal store byte for byte as it is, and so does doctor without --fix; doctor --fix turns WAL on', async () => {
    const path = join(dir, 'shiplog.db');
    const key = (await runCli(['--db', path, 'deploy', '--app', 'web', '--env', 'prod'])).stdout.trim();
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.close();

    const before = digest(path);
    for (const args of reads(key)) expect((await runCli(['--db', path, ...args])).code).toBe(0);
    const { result, json } = await runCliJson<DoctorReport>(['--db', path, 'doctor']);

    expect(result.code, result.stderr).toBe(0);
    expect(digest(path)).toBe(before);
    expect(readdirSync(dir)).toEqual(['shiplog.db']);
    expect(json.checks.find((check) => check.check === 'journal mode')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^delete, not WAL/) });
    expect(journalMode(path)).toBe('delete');

    const fixed = await runCliJson<DoctorReport>(['--db', path, 'doctor', '--fix']);
    expect(fixed.json.checks.find((check) => check.check === 'journal mode')).toEqual({ check: 'journal mode', status: 'ok', message: 'WAL (was delete)', fixed: true });
    expect(journalMode(path)).toBe('wal');
  });

  it.skipIf(unprivileged === undefined)('in a directory the user may not write, read commands work and a write is exit 5, nothing changed (needs an unprivileged user: postgres when run as root)', async () => {
    const store = join(dir, 'store');
    mkdirSync(store);
    const path = join(store, 'shiplog.db');
    const key = (await runCli(['--db', path, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0'])).stdout.trim();
    await runCli(['--db', path, 'finish', key, '--status', 'success']);
    expect(readdirSync(store)).toEqual(['shiplog.db']);
    if (asRoot) chownSync(path, 0, 0);
    // The file itself may be written; the directory may not, so SQLite cannot make its -wal and -shm files there.
    chmodSync(path, 0o666);
    chmodSync(store, 0o555);
    chmodSync(dir, 0o755);

    for (const args of reads(key)) {
      const result = runAs(unprivileged, ['--db', path, ...args]);
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(0);
    }
    expect(JSON.parse(runAs(unprivileged, ['--db', path, '--json', 'show', key]).stdout)).toMatchObject({ key, status: 'success', version: '1.0.0' });

    const write = runAs(unprivileged, ['--db', path, 'deploy', '--app', 'web', '--env', 'prod', '--version', '2.0.0']);
    expect(write.code, write.stderr).toBe(5);
    expect(write.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`shiplog: cannot write the store at ${path}`)]);
    expect(readdirSync(store)).toEqual(['shiplog.db']);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
