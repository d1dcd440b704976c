import { sql, type Kysely, type Transaction } from 'kysely';
import { EnvironmentError } from '../errors.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './store.js';

interface Migration {
  name: string;
  up(tx: Transaction<Database>, dialect: StoreDialect): Promise<void>;
}

/** Ordered and named; a released migration is never edited, only followed by a new one. */
export const migrations: readonly Migration[] = [
  {
    name: '001_deployments',
    async up(tx, dialect) {
      await sql`
        create table deployments (
          id ${sql.raw(dialect.idColumn)},
          key text not null unique,
          app text not null,
          env text not null,
          version text,
          commit_sha text,
          repo text,
          image text,
          provider text not null,
          target text,
          status text not null check (status in ('pending','running','success','failed','cancelled','timeout','stale')),
          is_rollback integer not null default 0,
          rollback_of integer references deployments(id),
          rolled_back_by integer references deployments(id),
          operator text,
          message text,
          ci_run_url text,
          idempotency_key text,
          created_at text not null,
          started_at text,
          completed_at text,
          error text,
          lease_owner text,
          heartbeat_at text
        )`.execute(tx);
      // The database itself refuses a second active deployment of one app and environment.
      await sql`create unique index deployments_one_active on deployments (app, env)
        where status in ('pending','running')`.execute(tx);
      await sql`create unique index deployments_idempotency_key on deployments (idempotency_key)
        where idempotency_key is not null`.execute(tx);
      await sql`create index deployments_app_env_created on deployments (app, env, created_at)`.execute(tx);
      await sql`create index deployments_created on deployments (created_at)`.execute(tx);
      await sql`create index deployments_success on deployments (app, env, id) where status = 'success'`.execute(tx);
      await sql`create index deployments_open on deployments (provider, status)
        where status in ('pending','running','timeout','stale')`.execute(tx);
      await sql`
        create table deployment_events (
          id ${sql.raw(dialect.idColumn)},
          deployment_id integer not null references deployments(id),
          at text not null,
          from_status text,
          to_status text not null,
          source text not null,
          detail text
        )`.execute(tx);
      await sql`create index deployment_events_deployment on deployment_events (deployment_id, id)`.execute(tx);
    },
  },
  {
    // Deleting a deployment (cleanup) makes the database look for records that still point at it; without
    // these, each delete scans the whole table, and merging 10,000 duplicates takes minutes instead of seconds.
    name: '002_rollback_reference_indexes',
    async up(tx) {
      await sql`create index deployments_rollback_of on deployments (rollback_of)`.execute(tx);
      await sql`create index deployments_rolled_back_by on deployments (rolled_back_by)`.execute(tx);
    },
  },
  {
    // status lists what is still open; without an index that SQLite can match it reads every record.
    name: '003_unsettled_index',
    async up(tx) {
      await sql`create index deployments_unsettled on deployments (status)
        where status in ('pending','running','timeout','stale')`.execute(tx);
    },
  },
  {
    // A duplicate cleanup merged away is still known by its id, key and idempotency key (an import's source
    // row, a CI job's --key): each keeps pointing at the record it was merged into.
    name: '004_merged_deployments',
    async up(tx) {
      await sql`
        create table merged_deployments (
          id integer primary key,
          key text not null unique,
          idempotency_key text,
          merged_into integer not null references deployments(id),
          merged_at text not null
        )`.execute(tx);
      await sql`create unique index merged_deployments_idempotency_key on merged_deployments (idempotency_key)
        where idempotency_key is not null`.execute(tx);
      await sql`create index merged_deployments_merged_into on merged_deployments (merged_into)`.execute(tx);
    },
  },
];

/**
 * Brings the schema up to date. Cheap when it already is (one query, none when `applied` was read moments ago on
 * the way in); otherwise one transaction holding the dialect's migration lock, so many processes opening a fresh
 * store at once apply each migration exactly once.
 */
export async function migrate(db: Kysely<Database>, dialect: StoreDialect, applied?: Set<string>): Promise<void> {
  if (applied === undefined ? await schemaIsCurrent(db) : isCurrent(applied)) return;
  await db.transaction().execute(async (tx) => {
    await dialect.lockMigrations(tx);
    await sql`create table if not exists shiplog_migrations (name text primary key, applied_at text not null)`.execute(tx);
    const done = new Set((await tx.selectFrom('shiplog_migrations').select('name').execute()).map((row) => row.name));
    refuseNewerStore(done);
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await migration.up(tx, dialect);
      await tx.insertInto('shiplog_migrations').values({ name: migration.name, applied_at: new Date().toISOString() }).execute();
    }
  });
}

/** Whether every migration is applied (one query); refuses a store a newer shiplog wrote. */
export async function schemaIsCurrent(db: Kysely<Database> | Transaction<Database>): Promise<boolean> {
  const applied = await appliedMigrations(db);
  return applied !== undefined && isCurrent(applied);
}

/** The names of the applied migrations, or undefined for a store that has none yet. */
export async function appliedMigrations(db: Kysely<Database> | Transaction<Database>): Promise<Set<string> | undefined> {
  try {
    return new Set((await db.selectFrom('shiplog_migrations').select('name').execute()).map((row) => row.name));
  } catch (error) {
    if (/no such table|does not exist/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

function isCurrent(applied: Set<string>): boolean {
  refuseNewerStore(applied);
  return migrations.every((migration) => applied.has(migration.name));
}

function refuseNewerStore(applied: Set<string>): void {
  const known = new Set(migrations.map((migration) => migration.name));
  const unknown = [...applied].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new EnvironmentError(
      `the store was written by a newer shiplog (schema ${unknown.sort().at(-1)}); upgrade shiplog to use it`,
      'store_too_new',
    );
  }
}
