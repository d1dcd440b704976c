import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Queryable } from './store.js';

/** The SQLite page cache, in KiB, while a whole history is read: what bounds the memory its sorts take. */
const historyReadCacheKiB = 2_000;

/**
 * Runs `work`, a read of a whole history that groups, ranks or sorts it, with the memory SQLite's sorts take held
 * small. SQLite sorts in memory up to the size of its page cache (16 MB as better-sqlite3 builds it), for each sort
 * a statement needs at once, and the process keeps that memory once freed: 30 MB for stats' and the report's
 * groupings at 1,000,000 records, 70 MB for cleanup's plan. Such a read goes through the history once and gains
 * nothing from the larger cache; past the smaller one its sorts merge runs from a temporary file, in the same time.
 * PostgreSQL sorts in its own server, within its work_mem.
 */
export async function withSmallSorts<T>(q: Queryable, kind: StoreDialect['kind'], work: () => Promise<T>): Promise<T> {
  if (kind === 'postgres') return work();
  const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(q);
  await sql`pragma cache_size = ${sql.raw(String(-historyReadCacheKiB))}`.execute(q);
  try {
    return await work();
  } finally {
    await sql`pragma cache_size = ${sql.raw(String(rows[0]!.cache_size))}`.execute(q);
  }
}
