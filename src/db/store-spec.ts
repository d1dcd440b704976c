import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { maskUrl } from '../secrets/masked-url.js';

/**
 * The store `--db` / `SHIPLOG_DB` names: a SQLite file, or a PostgreSQL database. `explicit` tells a file
 * the user named from the default one, which read commands treat differently when it does not exist yet.
 */
export type StoreSpec = { kind: 'sqlite'; path: string; explicit: boolean } | { kind: 'postgres'; url: string };

/** A SQLite file that does not exist, read by a command that never creates one. */
export class StoreMissingError extends UsageError {
  constructor(
    readonly path: string,
    /** Named by --db / SHIPLOG_DB, rather than the default store. */
    readonly explicit: boolean,
  ) {
    super(`no store at ${path}: check --db / SHIPLOG_DB (reading never creates a store; 'shiplog deploy' or 'shiplog doctor --fix' does)`, 'store_missing');
  }
}

const urlScheme = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Reads `--db` / `SHIPLOG_DB`. A URL of any scheme but postgres:// or postgresql:// is refused (exit 2):
 * taken as a path it would silently become a local file nobody looks at. A leading `~` is the home
 * directory, since CI `env:` values reach us without a shell to expand it.
 */
export function parseStoreSpec(spec: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreSpec {
  if (spec === undefined || spec === '') return { kind: 'sqlite', path: defaultSqlitePath(env), explicit: false };
  const scheme = urlScheme.exec(spec)?.[1];
  if (scheme !== undefined) {
    if (/^postgres(ql)?$/i.test(scheme)) return { kind: 'postgres', url: spec };
    throw new UsageError(
      `--db ${maskUrl(spec)}: shiplog does not understand '${scheme}://'; give a SQLite file path, or a postgres:// or postgresql:// URL`,
      'bad_store',
    );
  }
  return { kind: 'sqlite', path: resolve(expandHome(spec)), explicit: true };
}

export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(dataHome, 'shiplog', 'shiplog.db');
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
