import type BetterSqlite3 from 'better-sqlite3';
import { openSqliteDatabase } from '../db/sqlite-library.js';
import { UsageError } from '../errors.js';

/**
 * Another tool's SQLite file, opened read-only (shiplog never writes it), with the columns of each table it
 * has, since their schemas changed between versions: readers use a column only where it exists.
 */
export class SourceFile {
  private readonly db: BetterSqlite3.Database;

  constructor(
    readonly path: string,
    readonly tool: string,
  ) {
    try {
      this.db = openSqliteDatabase(path, { readonly: true, fileMustExist: true });
      // Read once, front to back: a page cache beyond a few pages only holds memory (16 MB by default).
      this.db.pragma('cache_size = -2000');
      this.db.prepare('select count(*) from sqlite_master').get();
    } catch (error) {
      throw new UsageError(`cannot read ${path} as a ${tool} SQLite file (${(error as Error).message})`, 'unreadable_source');
    }
  }

  /**
   * The table's columns; a usage error naming the file when the table is not there, or when it lacks any of the
   * `required` columns (a table of that name from another tool, or from a version too old to import).
   */
  columns(table: string, required: readonly string[]): Set<string> {
    const rows = this.db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[];
    if (rows.length === 0) throw new UsageError(`${this.path} has no ${table} table: is it a ${this.tool} file?`, 'unreadable_source');
    const columns = new Set(rows.map((row) => row.name));
    const missing = required.filter((column) => !columns.has(column));
    if (missing.length > 0) {
      throw new UsageError(`${this.path}: its ${table} table has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}, which ${this.tool} files have; is it a ${this.tool} file?`, 'unreadable_source');
    }
    return columns;
  }

  hasTable(table: string): boolean {
    return this.db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(table) !== undefined;
  }

  rows<T>(sql: string): T[] {
    return this.db.prepare(sql).all() as T[];
  }

  /** The rows one at a time, as they are read from the file. */
  iterate<T>(sql: string): IterableIterator<T> {
    return this.db.prepare(sql).iterate() as IterableIterator<T>;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A stored time as ISO-8601 UTC. SQLAlchemy writes naive `YYYY-MM-DD HH:MM:SS[.ffffff]`, which these tools
 * filled with UTC (`utcnow`, SQLite's CURRENT_TIMESTAMP); a time with an offset keeps it.
 */
export function isoTime(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.trim().replace(' ', 'T');
  const at = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/** A text value, trimmed, or null for empty and non-text. */
export function text(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A JSON column's object (SQLAlchemy keeps JSON as text), or null for anything else. */
export function jsonObject(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A commit SHA as shiplog keeps them (lower-case hex), or null for anything else. */
export function commitSha(value: unknown): string | null {
  const sha = text(value);
  return sha && /^[0-9a-f]{4,64}$/i.test(sha) ? sha.toLowerCase() : null;
}
