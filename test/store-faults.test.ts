import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import type { TestStore } from './support/stores.js';
import { klepaasHistoryTable } from './support/klepaas-schema.js';

/** A full disk is a small tmpfs, which only root may mount; elsewhere these tests are skipped by this name. */
const tmpfsUnavailable = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'shiplog-tmpfs-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status !== 0) return 'cannot mount a tmpfs here (needs root)';
    spawnSync('umount', [probe]);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

function expectOneLine(result: CliResult, exitCode: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toEqual([expect.stringMatching(pattern)]);
}

/** Writes zeros until the file system has no room left. */
function fillDisk(path: string): void {
  const file = openSync(path, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(file, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(file);
  }
}

/** A klepaas history too large for the store's disk: thousands of runs with long commit messages. */
function largeKlepaasFile(path: string, runs: number): void {
  const db = new Database(path);
  db.exec(klepaasHistoryTable);
  const insert = db.prepare(`insert into deployment_histories (id, user_id, github_owner, github_repo, github_commit_sha, github_commit_message,
    sourcedeploy_project_id, deploy_id, status, image_name, image_tag, environment, is_rollback, rollback_from_id, started_at, completed_at, created_at)
    values (?, 'kim', 'acme', 'shop', ?, ?, '311', ?, 'success', 'registry.example/shop', ?, 'production', 0, null, ?, ?, ?)`);
  db.transaction(() => {
    for (let n = 1; n <= runs; n++) {
      const at = new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
      insert.run(n, n.toString(16).padStart(40, '0'), `change ${n}: ${'x'.repeat(200)}`, String(9000 + n), `v${n}`, at, at, at);
    }
  })();
  db.close();
}

describe.skipIf(tmpfsUnavailable !== undefined)(`a store on a full disk${tmpfsUnavailable ? ` (skipped: ${tmpfsUnavailable})` : ''}`, () => {
  let dir: string;
  let disk: string;
  let store: TestStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-full-'));
    disk = join(dir, 'disk');
    mkdirSync(disk);
    store = { kind: 'sqlite', spec: join(disk, 'shiplog.db'), dir, cleanup: async () => undefined };
  });
  afterEach(() => {
    spawnSync('umount', [disk]);
    rmSync(dir, { recursive: true, force: true });
  });
  const mount = (size: string) => expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]).status).toBe(0);

  it('a deploy exits 5 saying the store could not be written, and the store keeps what it had', async () => {
    mount('1m');
    expect((await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod'])).code).toBe(0);
    const before = await snapshot(store);
    fillDisk(join(disk, 'filler'));

    expectOneLine(await runCli(['--db', store.spec, 'deploy', '--app', 'api', '--env', 'prod']), 5, new RegExp(`^shiplog: the (disk holding|store at) ${store.spec} .*(full|disk I/O error)`));
    expect(await snapshot(store)).toEqual(before);
  });

  it('an import that fills the disk exits 5 with the real cause, and imports nothing', async () => {
    mount('600k');
    const source = join(dir, 'klepaas.db');
    largeKlepaasFile(source, 5_000);
    expect((await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod'])).code).toBe(0);
    const before = await snapshot(store);

    const result = await runCli(['--db', store.spec, 'import', '--from', 'klepaas', source, '--app', 'shop']);

    expectOneLine(result, 5, new RegExp(`^shiplog: the disk holding ${store.spec} is full`));
    expect(result.stderr).not.toMatch(/no transaction is active/);
    expect(await snapshot(store)).toEqual(before);
  });
});
