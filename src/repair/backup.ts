import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';

/**
 * `<store>.backup-20260131T120000Z`, beside the store; `…Z-2`, `…Z-3` when an earlier cleanup in the same second
 * took that name, so a second `cleanup --apply` right after the first is not refused over a name it did not pick.
 */
export function defaultBackupPath(storePath: string, now = new Date()): string {
  const stamped = `${storePath}.backup-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  let path = stamped;
  for (let n = 2; existsSync(path); n++) path = `${stamped}-${n}`;
  return path;
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
 * Where a backup is written until it is complete: a hidden name beside the backup (a hard link needs the same
 * file system), which nobody takes for a backup if shiplog is killed half-way and leaves it behind.
 */
function partialBackupPath(destination: string): string {
  return join(dirname(destination), `.${basename(destination)}.partial-${process.pid}`);
}

/**
 * Deletes the partial backups (and their SQLite journals) that killed cleanups of this store left beside
 * `destination`: those of its default backup names and of `destination` itself whose writer is no longer
 * running. A partial of a process that is still alive is a backup being written now, and is left alone.
 */
function removeAbandonedPartials(source: string, destination: string): void {
  const folder = dirname(destination);
  const ours = (name: string) => name === basename(destination) || name.startsWith(`${basename(source)}.backup-`);
  for (const entry of readdirSync(folder)) {
    const partial = /^\.(.+)\.partial-(\d+)(?:-journal)?$/.exec(entry);
    if (partial && ours(partial[1]!) && !isRunning(Number(partial[2]))) rmSync(join(folder, entry), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Copies a SQLite store page by page with SQLite's online backup API, through a connection of its own. The
 * caller holds the store's write lock, so the copy is exactly the store as it is before the change; in WAL
 * mode that lock does not keep another connection from reading. The copy holds the same records as the
 * store, so it is born readable by its owner only. It is written under a partial name, flushed to disk, and
 * only then linked to its own name, which never replaces an existing file: a file with the backup's name is
 * always a whole backup, even when shiplog is killed while copying; the partial such a kill leaves is deleted by
 * the next backup of the store.
 */
export async function backupSqlite(source: string, destination: string): Promise<void> {
  const { openSqliteDatabase } = await import('../db/sqlite-library.js');
  const partial = partialBackupPath(destination);
  try {
    removeAbandonedPartials(source, destination);
    closeSync(openSync(partial, 'wx', 0o600));
  } catch (error) {
    throw new EnvironmentError(`could not create the backup ${destination} (${(error as Error).message}); nothing was changed`, 'backup_failed', { cause: error });
  }
  let reader: ReturnType<typeof openSqliteDatabase> | undefined;
  try {
    reader = openSqliteDatabase(source, { readonly: true, fileMustExist: true });
    await reader.backup(partial);
    flushToDisk(partial);
    linkSync(partial, destination);
    flushToDisk(dirname(destination));
  } catch (error) {
    throw new EnvironmentError(`could not write the backup ${destination} (${(error as Error).message}); nothing was changed`, 'backup_failed', { cause: error });
  } finally {
    reader?.close();
    rmSync(partial, { force: true });
  }
}

function flushToDisk(path: string): void {
  const descriptor = openSync(path, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
