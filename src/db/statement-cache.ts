import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct statements kept compiled: a command runs a few dozen shapes of query, however many times. */
const cachedStatements = 200;

/**
 * The connection as Kysely's SQLite driver sees it, handing out each statement compiled once. The driver prepares
 * every query it runs afresh, and a compiled statement's memory (SQLite's, outside the JavaScript heap, larger
 * for a statement that fires triggers) is freed only when the garbage collector, which does not see it, collects
 * its small handle: `track --all` claiming 10,000 deployments one UPDATE at a time grew by some 200 MB that way.
 * A statement still stepping through rows (a stream) is not handed out again; another is compiled for its SQL.
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last, so the one dropped when the cache is full is the one unused longest.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached) return statement;
      statements.set(sql, statement);
      if (statements.size > cachedStatements) statements.delete(statements.keys().next().value!);
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
