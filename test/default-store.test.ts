import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

describe('the default SQLite store', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'shiplog-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('lives under $XDG_DATA_HOME/shiplog, the file 0600 in a 0700 directory, in WAL mode', async () => {
    const dataHome = join(home, 'data');
    const result = await runCli(['deploy', '--app', 'web', '--env', 'dev'], { env: { XDG_DATA_HOME: dataHome, HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    const path = join(dataHome, 'shiplog', 'shiplog.db');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataHome, 'shiplog')).mode & 0o777).toBe(0o700);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('falls back to ~/.local/share/shiplog without XDG_DATA_HOME', async () => {
    const result = await runCli(['deploy', '--app', 'web', '--env', 'dev'], { env: { XDG_DATA_HOME: '', HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(join(home, '.local', 'share', 'shiplog', 'shiplog.db')).isFile()).toBe(true);
  });

  it('SHIPLOG_DB names another store, and --db wins over it', async () => {
    const fromEnv = join(home, 'env.db');
    const fromFlag = join(home, 'flag.db');
    await runCli(['deploy', '--app', 'web', '--env', 'dev'], { env: { SHIPLOG_DB: fromEnv, HOME: home } });
    await runCli(['--db', fromFlag, 'deploy', '--app', 'web', '--env', 'dev'], { env: { SHIPLOG_DB: fromEnv, HOME: home } });
    expect(statSync(fromEnv).isFile()).toBe(true);
    expect(statSync(fromFlag).isFile()).toBe(true);
  });
});
