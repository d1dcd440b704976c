import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { deploymentColumns, eventColumns, rollbackMarks, type BenchStore, type EnvironmentCounts } from './bench-store.js';
import type { SyntheticHistory } from './synthetic-history.js';

/** A SQLite store file in a temporary directory of its own, removed by `dispose`. */
export function createSqliteBenchStore(): BenchStore {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-bench-'));
  const path = join(dir, 'shiplog.db');
  return {
    kind: 'sqlite',
    spec: path,
    async seed(history) {
      seedSqlite(path, history);
    },
    async countEnvironment(env) {
      return withDatabase(path, (db) => db.prepare<{ env: string }, EnvironmentCounts>(countsSql).get({ env })!);
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const countsSql = `select
  (select count(*) from deployments where env = @env) as deployments,
  (select count(*) from deployments where env = @env and status = 'success') as successes,
  (select count(*) from deployment_events where deployment_id in (select id from deployments where env = @env)) as events,
  (select count(*) from deployments) as allDeployments`;

/**
 * One transaction of prepared inserts: about a second for 100,000 records. The WAL is checkpointed into the
 * main file afterwards, as SQLite's auto-checkpoint would have done over a year of use, so the CLI's reads
 * measure the store and not a 50 MB write-ahead log.
 */
function seedSqlite(path: string, history: SyntheticHistory): void {
  withDatabase(path, (db) => {
    const insertDeployment = db.prepare(`insert into deployments (${deploymentColumns.join(', ')}) values (${deploymentColumns.map(() => '?').join(', ')})`);
    const insertEvent = db.prepare(`insert into deployment_events (${eventColumns.join(', ')}) values (${eventColumns.map(() => '?').join(', ')})`);
    const markRolledBack = db.prepare('update deployments set rolled_back_by = ? where id = ?');
    // The indexes on (app, env, …) take rows in no particular order; a cache that holds them all saves rereads.
    db.pragma('cache_size = -262144');
    db.transaction(() => {
      for (const row of history.deployments) insertDeployment.run(deploymentColumns.map((column) => row[column]));
      for (const event of history.events) insertEvent.run(eventColumns.map((column) => event[column]));
      for (const [id, rolledBackBy] of rollbackMarks(history)) markRolledBack.run(rolledBackBy, id);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  });
}

function withDatabase<T>(path: string, work: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    return work(db);
  } finally {
    db.close();
  }
}
