import { sql, type Kysely, type Transaction } from 'kysely';
import { EnvironmentError } from '../errors.js';
import { createDeliveredChanges } from './delivered-changes.js';
import { createDeploymentWeeks } from './deployment-weeks.js';
import type { StoreDialect } from './dialect.js';
import type { Database } from './schema.js';

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
  {
    // status reads each app and environment's last success from this table instead of searching the history for
    // it: the database keeps it exact through triggers, whatever path changes a record (see the trigger functions).
    name: '005_last_successes',
    async up(tx, dialect) {
      // No foreign key to deployments: the triggers are its only writers, and on PostgreSQL a deferred one deadlocks
      // two transactions deleting a pair's successes (the first's check at commit waits for the row the second deletes,
      // which waits for the first's pair lock), while an immediate one checks a delete before the trigger repoints it.
      await sql`
        create table last_successes (
          app text not null,
          env text not null,
          deployment_id integer not null,
          primary key (app, env)
        )`.execute(tx);
      await (dialect.kind === 'sqlite' ? followLastSuccessesOnSqlite(tx) : followLastSuccessesOnPostgres(tx));
      // After the triggers: on PostgreSQL creating them waits for, then holds off, every writer of deployments until
      // this transaction commits, so no success committed meanwhile is missed by this fill.
      await sql`
        insert into last_successes (app, env, deployment_id)
        select app, env, max(id) from deployments where status = 'success' group by app, env`.execute(tx);
    },
  },
  {
    // The commits each deployment brought, with their commit times, read from the CI checkout as it deployed: lead
    // time per change is then measured from the store alone, for every repository on it and from any directory.
    // Deleting a deployment (cleanup, prune) takes its commits with it.
    name: '006_deployment_commits',
    async up(tx) {
      await sql`
        create table deployment_commits (
          deployment_id integer not null references deployments(id) on delete cascade,
          sha text not null,
          committed_at text not null,
          shallow integer not null default 0,
          primary key (deployment_id, sha)
        )`.execute(tx);
      // Outages are found in the order each app and environment's deployments ended (db/outage-lengths.ts): read
      // in this index's order, with every column the query needs, SQLite sorts nothing and reads no record (a sixth
      // of the work over 700,000 ended deployments).
      await sql`create index deployments_ended on deployments (app, env, completed_at, id, status, rolled_back_by, created_at)
        where status in ('success', 'failed')`.execute(tx);
      // Lead time takes each change at its first success (db/change-lead-times.ts): successes in this order need no
      // sort, and a commit is looked up among the recorded ones by its hash.
      await sql`create index deployments_changes on deployments (app, env, commit_sha, created_at, id, completed_at)
        where status = 'success' and is_rollback = 0`.execute(tx);
      await sql`create index deployment_commits_sha on deployment_commits (sha)`.execute(tx);
    },
  },
  {
    // Each change at the first success that delivered it, kept by triggers (db/delivered-changes.ts): lead time over
    // years of history is a scan of this table, not a search for first successes. The fill takes about ten seconds
    // a million deployments, once.
    name: '007_delivered_changes',
    up: (tx, dialect) => createDeliveredChanges(tx, dialect.kind),
  },
  {
    // stats and report count a span's deployments by how they ended, and the report measures how long they ran:
    // with every column those read, the index of creation times serves them without reading a record (a covering
    // scan is a third of the time of reading a million records). It serves all it served before.
    name: '008_deployments_figures',
    async up(tx) {
      await sql`drop index deployments_created`.execute(tx);
      await sql`create index deployments_created on deployments (created_at, app, env, status, is_rollback, rolled_back_by, started_at, completed_at)`.execute(tx);
    },
  },
  {
    // Each pair's deployments of a week counted, kept by triggers (db/deployment-weeks.ts): stats and the report sum
    // weeks, not deployments. The report's grid names each pair's newest open records: this index holds them in
    // order by pair, so it reads five of them, not the open records of every pair ranked.
    name: '009_deployment_weeks',
    async up(tx, dialect) {
      await createDeploymentWeeks(tx, dialect.kind);
      await sql`create index deployments_open_by_pair on deployments (app, env, id, status)
        where status in ('pending', 'running', 'timeout', 'stale')`.execute(tx);
    },
  },
  {
    // Lead time counts each week's changes, those measured and those only a checkout can measure
    // (db/change-lead-times.ts): with the last as a column of its own, this index holds all the count reads, so it
    // reads a tenth of what the table is, from the span's first week on. A generated column: the database keeps it
    // whatever writes the table (stored on PostgreSQL, which cannot add a virtual one; SQLite can add only those).
    name: '010_delivered_changes_counts',
    async up(tx, dialect) {
      const unrecorded = sql.raw(`case when committed_at is null and substr(sha, 1, 1) <> '#' then 1 else 0 end`);
      const kept = dialect.kind === 'postgres' ? sql`stored` : sql`virtual`;
      await sql`alter table delivered_changes add column unrecorded integer generated always as (${unrecorded}) ${kept}`.execute(tx);
      await sql`create index delivered_changes_counts on delivered_changes (week, created_at, lead_ms, unrecorded)`.execute(tx);
    },
  },
];

/**
 * A new success is its pair's last unless the pair has a newer one; any other change that touches a success (it
 * changes status, pair or id, or is deleted) recomputes the pair from the partial index of successes, removing the
 * pair when no success is left. SQLite runs one writer at a time, and a row trigger sees every row change before it.
 */
async function followLastSuccessesOnSqlite(tx: Transaction<Database>): Promise<void> {
  const recompute = (side: 'old' | 'new') => {
    const [app, env] = [sql.raw(`${side}.app`), sql.raw(`${side}.env`)];
    return sql`
      delete from last_successes where app = ${app} and env = ${env};
      insert into last_successes (app, env, deployment_id)
        select app, env, id from deployments where status = 'success' and app = ${app} and env = ${env} order by id desc limit 1;`;
  };
  await sql`
    create trigger last_successes_insert after insert on deployments when new.status = 'success'
    begin
      insert into last_successes (app, env, deployment_id) values (new.app, new.env, new.id)
        on conflict (app, env) do update set deployment_id = max(deployment_id, excluded.deployment_id);
    end`.execute(tx);
  await sql`
    create trigger last_successes_update after update of status, app, env, id on deployments
    when old.status = 'success' or new.status = 'success'
    begin ${recompute('old')} ${recompute('new')} end`.execute(tx);
  await sql`
    create trigger last_successes_delete after delete on deployments when old.status = 'success'
    begin ${recompute('old')} end`.execute(tx);
}

/**
 * The same rules for PostgreSQL, where writers run at once. Under READ COMMITTED a recompute would miss a success
 * another transaction has written but not committed, and then overwrite what that transaction sets: so every change
 * takes a transaction-long advisory lock on its pair first, and each statement of a (volatile) PL/pgSQL function
 * reads with a fresh snapshot, which then holds every change made to the pair by transactions that held the lock.
 * Inserts are handled once a statement, from its transition table: a bulk import or seed runs one trigger a
 * statement, not one a row, and locks its pairs in one order. Two transactions that each change successes of
 * several pairs at once (cleanup, prune, import running together) can still deadlock, and PostgreSQL then fails
 * one of them, which changes nothing and can be run again.
 */
async function followLastSuccessesOnPostgres(tx: Transaction<Database>): Promise<void> {
  await sql`
    create function last_success_recompute(pair_app text, pair_env text) returns void language plpgsql as $$
    declare
      newest integer;
    begin
      perform pg_advisory_xact_lock(hashtext(pair_app), hashtext(pair_env));
      select max(id) into newest from deployments where status = 'success' and app = pair_app and env = pair_env;
      if newest is null then
        delete from last_successes where app = pair_app and env = pair_env;
      else
        insert into last_successes (app, env, deployment_id) values (pair_app, pair_env, newest)
          on conflict (app, env) do update set deployment_id = excluded.deployment_id;
      end if;
    end $$`.execute(tx);
  await sql`
    create function last_success_follow_inserts() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(hashtext(app), hashtext(env))
        from (select distinct app, env from inserted where status = 'success' order by app, env) as pairs;
      insert into last_successes (app, env, deployment_id)
        select app, env, max(id) from inserted where status = 'success' group by app, env
        on conflict (app, env) do update set deployment_id = greatest(last_successes.deployment_id, excluded.deployment_id);
      return null;
    end $$`.execute(tx);
  await sql`
    create function last_success_follow_change() returns trigger language plpgsql as $$
    begin
      perform last_success_recompute(old.app, old.env);
      if tg_op = 'UPDATE' and (new.app, new.env) is distinct from (old.app, old.env) then
        perform last_success_recompute(new.app, new.env);
      end if;
      return null;
    end $$`.execute(tx);
  await sql`
    create trigger last_successes_insert after insert on deployments
    referencing new table as inserted for each statement execute function last_success_follow_inserts()`.execute(tx);
  await sql`
    create trigger last_successes_update after update of status, app, env, id on deployments
    for each row when (old.status = 'success' or new.status = 'success') execute function last_success_follow_change()`.execute(tx);
  await sql`
    create trigger last_successes_delete after delete on deployments
    for each row when (old.status = 'success') execute function last_success_follow_change()`.execute(tx);
}

/**
 * Brings the schema up to date. Cheap when it already is (one query, none when `applied` was read moments ago on
 * the way in); otherwise one transaction holding the dialect's migration lock, so many processes opening a fresh
 * store at once apply each migration exactly once. Returns whether it upgraded a store that had a schema already:
 * one that may hold years of history, which the migrations may have filled tables from or rewritten.
 */
export async function migrate(db: Kysely<Database>, dialect: StoreDialect, applied?: Set<string>): Promise<boolean> {
  if (applied === undefined ? await schemaIsCurrent(db) : isCurrent(applied)) return false;
  return db.transaction().execute(async (tx) => {
    await dialect.lockMigrations(tx);
    await sql`create table if not exists shiplog_migrations (name text primary key, applied_at text not null)`.execute(tx);
    const done = new Set((await tx.selectFrom('shiplog_migrations').select('name').execute()).map((row) => row.name));
    refuseNewerStore(done);
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await migration.up(tx, dialect);
      await tx.insertInto('shiplog_migrations').values({ name: migration.name, applied_at: new Date().toISOString() }).execute();
    }
    return done.size > 0 && migrations.some((migration) => !done.has(migration.name));
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
