import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Database } from './schema.js';
import { msBetween, weekOf } from './sql-time.js';

/*
 * `delivered_changes` holds each change of an app and environment at the first success that delivered it: lead time
 * per change (db/change-lead-times.ts) is then a scan of one narrow table, where finding each change's first success
 * among years of deployments and their commits took seconds for every `stats` and `report`.
 *
 * A change is a commit a successful deployment that is not a rollback brought: a commit of its deployment_commits,
 * or, for a record without any (made before shiplog kept commits), its own commit; a success with neither is a
 * change of its own, keyed `#<id>` (never a commit hash, which is hex). Its first success is the earliest by
 * creation time, then id. Its commit time is the latest any such success recorded for it (all record the same
 * one), and its lead time runs from there to the first success's completion, when both are known and in order.
 *
 * Like last_successes, the database keeps the table exact through triggers, whatever path writes deployments or
 * their commits: each change to a success recomputes the changes it brought from the indexes of successes and of
 * commits. A delete recomputes before the row goes, leaving the row out, while its commits are still there to say
 * which changes it brought.
 */

type Kind = StoreDialect['kind'];

/** The condition on a deployment (alias `d`) that makes it deliver changes. */
const delivering = sql.raw(`d.status = 'success' and d.is_rollback = 0`);

/** Every change a deployment brought, or may have: its recorded commits, its own commit, its `#id` key. */
function keysOf(id: RawBuilder<unknown>, commit: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select sha from deployment_commits where deployment_id = ${id}
    union select ${commit} where ${commit} is not null
    union select '#' || ${id}`;
}

/**
 * The id of the first success of `app`/`env` that brought `sha`, leaving out deployment `excluded` (0 for none): a
 * success whose commits include it, one without commits whose own commit it is, or the success its `#id` names.
 * A commit's rows are found by its hash first: `cross join` keeps SQLite to that order, where it would otherwise
 * read every success of the pair for each row a trigger handles (a bulk import at a million records then took
 * minutes, not seconds). PostgreSQL takes it as a plain join.
 */
function firstSuccess(kind: Kind, app: RawBuilder<unknown>, env: RawBuilder<unknown>, sha: RawBuilder<unknown>, excluded: RawBuilder<unknown>): RawBuilder<unknown> {
  const uncommitted = sql`not exists (select 1 from deployment_commits c where c.deployment_id = d.id)`;
  // The id a `#id` key names; an imported commit could be any text, so only `#` and digits name one.
  const digits = kind === 'sqlite' ? sql`${sha} glob '#[0-9]*' and substr(${sha}, 2) not glob '*[^0-9]*'` : sql`${sha} ~ '^#[0-9]{1,18}$'`;
  return sql`(select id from (
      select d.id, d.created_at from deployment_commits c cross join deployments d
      where d.id = c.deployment_id and c.sha = ${sha} and d.app = ${app} and d.env = ${env} and ${delivering} and d.id <> ${excluded}
      union all
      select d.id, d.created_at from deployments d
      where d.app = ${app} and d.env = ${env} and d.commit_sha = ${sha} and ${delivering} and d.id <> ${excluded} and ${uncommitted}
      union all
      select d.id, d.created_at from deployments d
      where d.id = (case when ${digits} then cast(substr(${sha}, 2) as bigint) end) and d.app = ${app} and d.env = ${env}
        and d.commit_sha is null and ${delivering} and d.id <> ${excluded} and ${uncommitted}
    ) as candidates order by created_at, id limit 1)`;
}

/** The commit time any success of `app`/`env` recorded for `sha`, leaving out deployment `excluded`. */
function commitTime(app: RawBuilder<unknown>, env: RawBuilder<unknown>, sha: RawBuilder<unknown>, excluded: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(select max(c.committed_at) from deployment_commits c cross join deployments d
    where d.id = c.deployment_id and c.sha = ${sha} and d.app = ${app} and d.env = ${env} and ${delivering} and d.id <> ${excluded})`;
}

/** Milliseconds from commit to delivery, when both are known and in that order. */
function leadMs(kind: Kind, committed: RawBuilder<unknown>, completed: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`case when ${committed} is not null and ${completed} >= ${committed} then ${msBetween(kind, committed, completed)} end`;
}

/** Recomputes the changes `keys` (a query of `app`, `env` and `sha` columns), leaving out deployment `excluded`: two statements. */
function recompute(kind: Kind, keys: RawBuilder<unknown>, excluded: RawBuilder<unknown>): RawBuilder<unknown> {
  const [app, env, sha] = [sql.raw('k.app'), sql.raw('k.env'), sql.raw('k.sha')] as const;
  return sql`
    delete from delivered_changes where (app, env, sha) in (select app, env, sha from (${keys}) as k);
    insert into delivered_changes (app, env, sha, deployment_id, created_at, week, completed_at, committed_at, lead_ms)
      select f.app, f.env, f.sha, d.id, d.created_at, ${weekOf(kind, sql.raw('d.created_at'))}, d.completed_at, f.committed_at,
        ${leadMs(kind, sql.raw('f.committed_at'), sql.raw('d.completed_at'))}
      from (
        select k.app, k.env, k.sha, ${firstSuccess(kind, app, env, sha, excluded)} as first_id, ${commitTime(app, env, sha, excluded)} as committed_at
        from (select distinct app, env, sha from (${keys}) as listed) as k
      ) as f join deployments d on d.id = f.first_id;`;
}

/** The changes a deployment (`old` or `new` in a trigger) brought, or may have, as keys of its app and environment. */
function keysOfRow(row: 'old' | 'new'): RawBuilder<unknown> {
  const of = (column: string) => sql.raw(`${row}.${column}`);
  return sql`select ${of('app')} as app, ${of('env')} as env, sha from (${keysOf(of('id'), of('commit_sha'))}) as brought`;
}

/** The changes a commit row (`old` or `new` in a trigger) touches: its own, and its deployment's own commit and `#id`, which stop or start standing for one. */
function keysOfCommitRow(row: 'old' | 'new'): RawBuilder<unknown> {
  const commit = sql.raw(`${row}.sha`);
  const deployment = sql.raw(`${row}.deployment_id`);
  return sql`select d.app, d.env, k.sha from deployments d
    join (select ${commit} as sha union select d2.commit_sha from deployments d2 where d2.id = ${deployment} and d2.commit_sha is not null union select '#' || ${deployment}) as k on true
    where d.id = ${deployment}`;
}

export async function createDeliveredChanges(tx: Transaction<Database>, kind: Kind): Promise<void> {
  await sql`
    create table delivered_changes (
      app text not null,
      env text not null,
      sha text not null,
      deployment_id integer not null,
      created_at text not null,
      week text not null,
      completed_at text,
      committed_at text,
      lead_ms bigint,
      primary key (app, env, sha)
    )`.execute(tx);
  // A median is read as the middle rows of one of these, in lead time order, for the span or each week of it
  // (change-lead-times.ts): no sort, however many changes. Counts scan the table, a few bytes a change.
  await sql`create index delivered_changes_lead on delivered_changes (lead_ms, created_at, app, env) where lead_ms is not null`.execute(tx);
  await sql`create index delivered_changes_week_lead on delivered_changes (week, lead_ms, created_at, app, env) where lead_ms is not null`.execute(tx);
  await (kind === 'sqlite' ? followOnSqlite(tx) : followOnPostgres(tx));
  // After the triggers: on PostgreSQL creating them waits for, then holds off, every writer of deployments until
  // this transaction commits, so no success committed meanwhile is missed by this fill.
  await fill(tx, kind);
}

/** Every change of the history at once, set-based: what the triggers then keep. */
async function fill(tx: Transaction<Database>, kind: Kind): Promise<void> {
  await sql`
    insert into delivered_changes (app, env, sha, deployment_id, created_at, week, completed_at, committed_at, lead_ms)
    select app, env, sha, id, created_at, ${weekOf(kind, sql.raw('created_at'))}, completed_at, known, ${leadMs(kind, sql.raw('known'), sql.raw('completed_at'))}
    from (
      select brought.*,
        row_number() over (partition by app, env, sha order by created_at, id) as nth,
        max(committed_at) over (partition by app, env, sha) as known
      from (
        select d.app, d.env, c.sha, d.id, d.created_at, d.completed_at, c.committed_at
        from deployments d join deployment_commits c on c.deployment_id = d.id
        where ${delivering}
        union all
        select d.app, d.env, coalesce(d.commit_sha, '#' || d.id), d.id, d.created_at, d.completed_at, null
        from deployments d
        where ${delivering} and not exists (select 1 from deployment_commits c where c.deployment_id = d.id)
      ) as brought
    ) as ranked
    where nth = 1`.execute(tx);
}

/**
 * A new success can only become the first of what it brings (it has no commits yet), so an insert is an upsert
 * that keeps the earlier; any other change to a success, or to a success's commits, recomputes what it brought.
 */
async function followOnSqlite(tx: Transaction<Database>): Promise<void> {
  const none = sql.lit(0);
  await sql`
    create trigger delivered_changes_insert after insert on deployments when new.status = 'success' and new.is_rollback = 0
    begin
      insert into delivered_changes (app, env, sha, deployment_id, created_at, week, completed_at, committed_at, lead_ms)
        values (new.app, new.env, coalesce(new.commit_sha, '#' || new.id), new.id, new.created_at, ${weekOf('sqlite', sql.raw('new.created_at'))}, new.completed_at, null, null)
        on conflict (app, env, sha) do update set deployment_id = excluded.deployment_id, created_at = excluded.created_at, week = excluded.week,
          completed_at = excluded.completed_at, lead_ms = ${leadMs('sqlite', sql.raw('delivered_changes.committed_at'), sql.raw('excluded.completed_at'))}
        where excluded.created_at < delivered_changes.created_at
          or (excluded.created_at = delivered_changes.created_at and excluded.deployment_id < delivered_changes.deployment_id);
    end`.execute(tx);
  await sql`
    create trigger delivered_changes_update after update of status, is_rollback, app, env, commit_sha, created_at, completed_at, id on deployments
    when (old.status = 'success' and old.is_rollback = 0) or (new.status = 'success' and new.is_rollback = 0)
    begin ${recompute('sqlite', keysOfRow('old'), none)} ${recompute('sqlite', keysOfRow('new'), none)} end`.execute(tx);
  await sql`
    create trigger delivered_changes_delete before delete on deployments when old.status = 'success' and old.is_rollback = 0
    begin ${recompute('sqlite', keysOfRow('old'), sql.raw('old.id'))} end`.execute(tx);
  const ofSuccess = (row: 'old' | 'new') => sql.raw(`exists (select 1 from deployments d where d.id = ${row}.deployment_id and d.status = 'success' and d.is_rollback = 0)`);
  await sql`
    create trigger delivered_changes_commit_insert after insert on deployment_commits when ${ofSuccess('new')}
    begin ${recompute('sqlite', keysOfCommitRow('new'), none)} end`.execute(tx);
  await sql`
    create trigger delivered_changes_commit_delete after delete on deployment_commits when ${ofSuccess('old')}
    begin ${recompute('sqlite', keysOfCommitRow('old'), none)} end`.execute(tx);
  await sql`
    create trigger delivered_changes_commit_update after update on deployment_commits when ${ofSuccess('old')} or ${ofSuccess('new')}
    begin ${recompute('sqlite', keysOfCommitRow('old'), none)} ${recompute('sqlite', keysOfCommitRow('new'), none)} end`.execute(tx);
}

/**
 * The same rules for PostgreSQL, where writers run at once: as for last_successes (migrations.ts), every change
 * first takes its pair's transaction-long advisory lock, and each statement of a PL/pgSQL function then reads a
 * fresh snapshot holding what every earlier holder of the lock committed. Inserts are handled once a statement.
 * The recompute keeps one plan for its statements: planned afresh for each call (PostgreSQL's choice for
 * statements whose best plan may depend on their parameters), it took 2 ms a row, five times the work itself;
 * every lookup in it is an equality on an indexed column, whatever the values.
 */
async function followOnPostgres(tx: Transaction<Database>): Promise<void> {
  await sql`
    create function delivered_changes_recompute(pair_app text, pair_env text, key_list text[], excluded integer) returns void language plpgsql
    set plan_cache_mode = force_generic_plan as $$
    begin
      perform pg_advisory_xact_lock(hashtext(pair_app), hashtext(pair_env));
      ${recompute('postgres', sql`select pair_app as app, pair_env as env, unnest(key_list) as sha`, sql.raw('excluded'))}
    end $$`.execute(tx);
  await sql`
    create function delivered_changes_keys(deployment integer, commit text) returns text[] language sql as $$
      select array(${keysOf(sql.raw('deployment'), sql.raw('commit'))})
    $$`.execute(tx);
  await sql`
    create function delivered_changes_follow_inserts() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(hashtext(app), hashtext(env))
        from (select distinct app, env from inserted where status = 'success' and is_rollback = 0 order by app, env) as pairs;
      insert into delivered_changes (app, env, sha, deployment_id, created_at, week, completed_at, committed_at, lead_ms)
        select distinct on (app, env, sha) app, env, sha, id, created_at, ${weekOf('postgres', sql.raw('created_at'))}, completed_at, null, null::bigint
        from (select app, env, coalesce(commit_sha, '#' || id) as sha, id, created_at, completed_at from inserted where status = 'success' and is_rollback = 0) as delivering
        order by app, env, sha, created_at, id
        on conflict (app, env, sha) do update set deployment_id = excluded.deployment_id, created_at = excluded.created_at, week = excluded.week,
          completed_at = excluded.completed_at, lead_ms = ${leadMs('postgres', sql.raw('delivered_changes.committed_at'), sql.raw('excluded.completed_at'))}
        where (excluded.created_at, excluded.deployment_id) < (delivered_changes.created_at, delivered_changes.deployment_id);
      return null;
    end $$`.execute(tx);
  await sql`
    create function delivered_changes_follow_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform delivered_changes_recompute(old.app, old.env, delivered_changes_keys(old.id, old.commit_sha), old.id);
        return old;
      end if;
      perform delivered_changes_recompute(old.app, old.env, delivered_changes_keys(old.id, old.commit_sha), 0);
      if (new.app, new.env, new.id, new.commit_sha) is distinct from (old.app, old.env, old.id, old.commit_sha) then
        perform delivered_changes_recompute(new.app, new.env, delivered_changes_keys(new.id, new.commit_sha), 0);
      end if;
      return null;
    end $$`.execute(tx);
  // Commit rows inserted or deleted, once a statement (`touched` is the trigger's transition table): a bulk write
  // of commits is one set-based recompute, where one a row took milliseconds each.
  const touchedKeys = sql`
    select d.app, d.env, k.sha from touched t join deployments d on d.id = t.deployment_id and ${delivering}
    cross join lateral (values (t.sha), (d.commit_sha), ('#' || d.id)) as k(sha)
    where k.sha is not null`;
  await sql`
    create function delivered_changes_follow_commits() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(hashtext(app), hashtext(env))
        from (select distinct d.app, d.env from touched t join deployments d on d.id = t.deployment_id and ${delivering} order by 1, 2) as pairs;
      ${recompute('postgres', touchedKeys, sql.lit(0))}
      return null;
    end $$`.execute(tx);
  await sql`
    create function delivered_changes_follow_commit_update() returns trigger language plpgsql as $$
    declare
      owner record;
    begin
      for owner in
        select d.app, d.env, d.id, d.commit_sha, c.sha from deployments d
        join (select old.deployment_id, old.sha union all select new.deployment_id, new.sha) as c (deployment_id, sha) on d.id = c.deployment_id
        where ${delivering}
      loop
        perform delivered_changes_recompute(owner.app, owner.env, array_remove(array[owner.sha, owner.commit_sha, '#' || owner.id], null), 0);
      end loop;
      return null;
    end $$`.execute(tx);
  await sql`
    create trigger delivered_changes_insert after insert on deployments
    referencing new table as inserted for each statement execute function delivered_changes_follow_inserts()`.execute(tx);
  await sql`
    create trigger delivered_changes_update after update of status, is_rollback, app, env, commit_sha, created_at, completed_at, id on deployments
    for each row when ((old.status = 'success' and old.is_rollback = 0) or (new.status = 'success' and new.is_rollback = 0))
    execute function delivered_changes_follow_change()`.execute(tx);
  await sql`
    create trigger delivered_changes_delete before delete on deployments
    for each row when (old.status = 'success' and old.is_rollback = 0) execute function delivered_changes_follow_change()`.execute(tx);
  await sql`
    create trigger delivered_changes_commit_insert after insert on deployment_commits
    referencing new table as touched for each statement execute function delivered_changes_follow_commits()`.execute(tx);
  await sql`
    create trigger delivered_changes_commit_delete after delete on deployment_commits
    referencing old table as touched for each statement execute function delivered_changes_follow_commits()`.execute(tx);
  await sql`
    create trigger delivered_changes_commit_update after update on deployment_commits
    for each row execute function delivered_changes_follow_commit_update()`.execute(tx);
}
