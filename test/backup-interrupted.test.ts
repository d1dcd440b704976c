import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import { ago, days, insertHistory } from './support/history-rows.js';

/** Bytes of filler in the store, so that copying it takes long enough to be killed half-way. */
const ballastMb = 40;

/**
 * Backups are SQLite-only (a PostgreSQL store is backed up with pg_dump), so this runs on SQLite alone. shiplog is
 * killed with SIGKILL while `cleanup --apply` writes its backup, at several points of the copy: as soon as a
 * file shows up in the backup folder, and when what has been written reaches a share of the store's size.
 */
describe('a backup interrupted by kill -9', () => {
  let dir: string;
  /** The store every trial starts from: each one works on a copy of its own. */
  let template: string;
  let storeBytes: number;
  let deploymentCount: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-backup-kill-'));
    template = join(dir, 'template.db');
    await insertHistory(template, [
      { status: 'failed', createdAt: ago(days(100)), completedAt: ago(days(100)) },
      { status: 'success', createdAt: ago(days(1)), completedAt: ago(days(1)) },
    ]);
    const db = new Database(template);
    db.exec('create table test_ballast (data blob)');
    const insert = db.prepare('insert into test_ballast (data) values (randomblob(1048576))');
    for (let n = 0; n < ballastMb; n += 1) insert.run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    deploymentCount = (db.prepare('select count(*) as n from deployments').get() as { n: number }).n;
    db.close();
    storeBytes = statSync(template).size;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A folder with a copy of the store, for the backup to be written beside it. */
  function trialFolder(name: string): { folder: string; storePath: string; backupPath: string } {
    const folder = join(dir, name);
    mkdirSync(folder);
    const storePath = join(folder, 'shiplog.db');
    copyFileSync(template, storePath);
    return { folder, storePath, backupPath: join(folder, 'before-cleanup.db') };
  }

  /** Kills shiplog once the largest other file in `folder` holds at least `share` of the store (0: as soon as one exists). */
  async function cleanupKilledAt(share: number, { folder, storePath, backupPath }: ReturnType<typeof trialFolder>, backupName = ['--backup', backupPath]): Promise<NodeJS.Signals | null> {
    const cli = startCli(['--db', storePath, 'cleanup', '--prune-older-than', '30d', '--keep', '0', '--apply', ...backupName]);
    let ended = false;
    void cli.result.then(() => (ended = true));
    while (!ended) {
      const sizes = readdirSync(folder).filter((name) => !name.startsWith('shiplog.db')).map((name) => statSync(join(folder, name), { throwIfNoEntry: false })?.size ?? 0);
      if (sizes.length > 0 && Math.max(...sizes) >= share * storeBytes) {
        cli.kill('SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return (await cli.result).signal;
  }

  /** Whether the file is a whole copy of the store: SQLite finds no fault in it, and it holds every record. */
  function isWholeBackup(path: string): boolean {
    const backup = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const integrity = backup.pragma('integrity_check', { simple: true });
      const deployments = (backup.prepare('select count(*) as n from deployments').get() as { n: number }).n;
      const ballast = (backup.prepare('select count(*) as n from test_ballast').get() as { n: number }).n;
      return integrity === 'ok' && deployments === deploymentCount && ballast === ballastMb;
    } catch {
      return false;
    } finally {
      backup.close();
    }
  }

  it('leaves no file under the backup name unless it is a whole backup, and the store unchanged', async () => {
    let killed = 0;
    for (const [trial, share] of [0, 0.1, 0.25, 0.5, 0.75, 0.9].entries()) {
      const paths = trialFolder(`killed-${trial}`);

      const signal = await cleanupKilledAt(share, paths);

      if (existsSync(paths.backupPath)) expect(isWholeBackup(paths.backupPath), `killed at ${share * 100}% of the copy`).toBe(true);
      // A cleanup that finished before its kill (a fast disk) applied its change; one killed changed nothing.
      if (signal !== 'SIGKILL') continue;
      killed += 1;
      expect(storeDeployments(paths.storePath)).toBe(deploymentCount);
    }
    expect(killed, 'no kill landed while the backup was being written').toBeGreaterThan(0);
  });

  it('a backup left to finish is whole under its name, with nothing else beside it', async () => {
    const paths = trialFolder('finished');

    expect(await cleanupKilledAt(Infinity, paths)).toBeNull();

    expect(readdirSync(paths.folder).filter((name) => !name.startsWith('shiplog.db'))).toEqual(['before-cleanup.db']);
    expect(isWholeBackup(paths.backupPath)).toBe(true);
    expect(storeDeployments(paths.storePath)).toBe(deploymentCount - 1);
  });

  it('the next backup deletes the partial a killed one left, but not one being written', async () => {
    const paths = trialFolder('leftover');
    const partials = () => readdirSync(paths.folder).filter((name) => name.includes('.partial-'));
    let signal: NodeJS.Signals | null = null;
    for (let attempt = 0; attempt < 5 && partials().length === 0; attempt += 1) signal = await cleanupKilledAt(0.1, paths, []);
    expect(signal, 'the cleanup finished before its kill').toBe('SIGKILL');
    const [abandoned] = partials();
    expect(abandoned).toMatch(/^\.shiplog\.db\.backup-\d{8}T\d{6}Z(-\d+)?\.partial-\d+$/);
    const beingWritten = `.shiplog.db.backup-20260101T000000Z.partial-${process.pid}`;
    closeSync(openSync(join(paths.folder, beingWritten), 'w'));

    expect(await cleanupKilledAt(Infinity, paths, [])).toBeNull();

    expect(partials()).toEqual([beingWritten]);
  });

  function storeDeployments(storePath: string): number {
    const store = new Database(storePath, { readonly: true });
    try {
      expect(store.pragma('quick_check', { simple: true })).toBe('ok');
      return (store.prepare('select count(*) as n from deployments').get() as { n: number }).n;
    } finally {
      store.close();
    }
  }
});
