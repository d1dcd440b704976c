import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { defaultBackupPath } from '../src/repair/backup.js';

const now = new Date('2026-01-31T12:00:00.250Z');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('names the backup for the second it is taken, beside the store', () => {
  dir = mkdtempSync(join(tmpdir(), 'shiplog-backup-name-'));
  expect(defaultBackupPath(join(dir, 'shiplog.db'), now)).toBe(join(dir, 'shiplog.db.backup-20260131T120000Z'));
});

it('a second cleanup in the same second gets the next free name instead of a refusal', () => {
  dir = mkdtempSync(join(tmpdir(), 'shiplog-backup-name-'));
  const store = join(dir, 'shiplog.db');
  writeFileSync(`${store}.backup-20260131T120000Z`, '');
  expect(defaultBackupPath(store, now)).toBe(`${store}.backup-20260131T120000Z-2`);
  writeFileSync(`${store}.backup-20260131T120000Z-2`, '');
  expect(defaultBackupPath(store, now)).toBe(`${store}.backup-20260131T120000Z-3`);
});
