import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EnvironmentError, UsageError } from './errors.js';

/** `<store>.backup-20260131T120000Z`, beside the store. */
export function defaultBackupPath(storePath: string, now = new Date()): string {
  return `${storePath}.backup-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** Refuses, before anything changes, a backup path that exists already or whose folder does not. */
export function checkBackupPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) throw new UsageError(`--backup: ${absolute} exists already; choose a new path`, 'bad_value');
  const folder = dirname(absolute);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--backup: the folder ${folder} does not exist`, 'bad_value');
  return absolute;
}

/**
 * Copies a SQLite store page by page with SQLite's online backup API, through a connection of its own. The
 * caller holds the store's write lock, so the copy is exactly the store as it is before the change; in WAL
 * mode that lock does not keep another connection from reading. The copy holds the same records as the
 * store, so it is born readable by its owner only, and never over an existing file.
 */
export async function backupSqlite(source: string, destination: string): Promise<void> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  try {
    closeSync(openSync(destination, 'wx', 0o600));
  } catch (error) {
    throw new EnvironmentError(`could not create the backup ${destination} (${(error as Error).message}); nothing was changed`, 'backup_failed', { cause: error });
  }
  let reader: InstanceType<typeof BetterSqlite3> | undefined;
  try {
    reader = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    await reader.backup(destination);
  } catch (error) {
    rmSync(destination, { force: true });
    throw new EnvironmentError(`could not write the backup ${destination} (${(error as Error).message}); nothing was changed`, 'backup_failed', { cause: error });
  } finally {
    reader?.close();
  }
}
