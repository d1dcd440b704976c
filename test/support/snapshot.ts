import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestStore } from './stores.js';

export interface StoreSnapshot {
  deployments: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/**
 * Every row of the store, read straight from the database (not through shiplog), so a test can tell that a
 * failed command changed nothing. A store that does not exist yet reads as empty.
 */
export async function snapshot(store: TestStore): Promise<StoreSnapshot> {
  const queries = { deployments: 'select * from deployments order by id', events: 'select * from deployment_events order by id' };
  if (store.kind === 'sqlite') {
    let db: Database.Database;
    try {
      db = new Database(store.spec, { readonly: true, fileMustExist: true });
    } catch {
      return { deployments: [], events: [] };
    }
    try {
      const read = (sql: string) => {
        try {
          return db.prepare(sql).all() as Record<string, unknown>[];
        } catch {
          return [];
        }
      };
      return { deployments: read(queries.deployments), events: read(queries.events) };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.spec });
  await client.connect();
  try {
    const read = async (sql: string) => {
      try {
        return (await client.query(sql)).rows as Record<string, unknown>[];
      } catch {
        return [];
      }
    };
    return { deployments: await read(queries.deployments), events: await read(queries.events) };
  } finally {
    await client.end();
  }
}

/** Runs one SQL statement against a test store directly: for setting up states the CLI cannot produce. */
export async function execSql(store: TestStore, sql: string, params: unknown[] = []): Promise<void> {
  if (store.kind === 'sqlite') {
    const db = new Database(store.spec);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: store.spec });
  await client.connect();
  try {
    const numbered = sql.replace(/\?/g, ((n) => () => `$${++n}`)(0));
    await client.query(numbered, params);
  } finally {
    await client.end();
  }
}
