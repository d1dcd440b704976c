import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';

export type StoreKind = 'sqlite' | 'postgres';

/** Whether this project runs its files' PostgreSQL variants through PgBouncer, and those alone. */
const throughPgBouncer = inject('postgresRoute') === 'pgbouncer';

/** The store kinds this project tests: see `storeKinds`. */
const projectKinds: readonly StoreKind[] = throughPgBouncer ? ['postgres'] : ['sqlite', 'postgres'];

/**
 * The store kinds this run can test: both, or only SQLite when no PostgreSQL could be had (said loudly at setup);
 * in the pgbouncer project, PostgreSQL through PgBouncer, when one could be started (said loudly too).
 */
export function storeKinds(): StoreKind[] {
  if (throughPgBouncer) return inject('pgbouncerUrl') ? ['postgres'] : [];
  return inject('postgresUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Declares the suite once per store of this project, `%s` in the title naming it. Without a PostgreSQL server
 * (or PgBouncer) the suite is still declared but skipped, so the run lists by name every test it did not run.
 */
export function describeEachStore(title: string, body: (kind: StoreKind) => void): void {
  const available = storeKinds();
  for (const kind of projectKinds) {
    describe.skipIf(!available.includes(kind))(title.replace('%s', throughPgBouncer ? `${kind} through PgBouncer` : kind), () => body(kind));
  }
}

export interface TestStore {
  kind: StoreKind;
  /** What `--db` takes: a SQLite file path or a postgres URL. */
  spec: string;
  /** A scratch directory of the test's own. */
  dir: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty store: a file in a new temp dir, or a new database on the run's PostgreSQL server, reached
 * through PgBouncer in the pgbouncer project (created and dropped directly: PgBouncer would hold its pool's
 * connections to it).
 */
export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-test-'));
  if (kind === 'sqlite') {
    return { kind, spec: join(dir, 'shiplog.db'), dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = inject('postgresUrl');
  const name = `shiplog_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(admin, `create database ${name}`);
  const url = new URL(throughPgBouncer ? inject('pgbouncerUrl') : admin);
  url.pathname = `/${name}`;
  return {
    kind,
    spec: url.toString(),
    dir,
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      await adminQuery(admin, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
