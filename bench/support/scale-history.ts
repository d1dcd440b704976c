import { finality, statuses } from '../../src/deployment/lifecycle.js';

/** How big a history the scale bench builds. */
export interface ScaleShape {
  records: number;
  /** Of `records`, how many are second copies of another record (the klepaas pattern). */
  duplicates: number;
  /** When the oldest record was created; the rest follow two minutes apart. */
  start: Date;
}

type Kind = 'sqlite' | 'postgres';

const apps = 200;
const envs = 5;
const stepSeconds = 120;

/**
 * SQL that builds the history inside the database, set-based (a recursive CTE on SQLite, generate_series on
 * PostgreSQL): `records - duplicates` deployments of 200 apps in 5 environments two minutes apart, mostly
 * successes with some failures and cancellations, spread so that each app and environment fails now and then and
 * recovers; one in a hundred is a rollback of the same app and environment's deployment before it. The newest
 * third of them carry the commits they brought, as shiplog records them since it keeps commit times: their own
 * commit and one older. Then `duplicates` of them are written again as klepaas wrote them, the same app,
 * environment, commit, version and rollback flag at the very same time, half of them left `stale`; then two events
 * a record (its start and its end).
 */
export function scaleHistory(kind: Kind, shape: ScaleShape): string[] {
  const originals = shape.records - shape.duplicates;
  const columns = 'key, app, env, version, commit_sha, repo, provider, status, is_rollback, operator, created_at, started_at, completed_at';
  // The status turns with the step as well as the app, so no app and environment only ever fails.
  const turn = `((i / ${apps}) * 7 + i) % 25`;
  const isRollback = (step: string) => `(${step} / ${apps * envs}) % 2 = 1 and ${step} % 50 = 7`;
  const status = `case when ${isRollback('i')} then 'success' when ${turn} in (0, 1) then 'failed' when ${turn} = 2 then 'cancelled' else 'success' end`;
  const rollback = `case when ${isRollback('i')} then 1 else 0 end`;
  // The same app and environment come round every apps × envs steps: the deployment a rollback undid, in the
  // stretch of steps without rollbacks (isRollback).
  const pairStep = apps * envs;
  const start = shape.start.toISOString();
  const originalsSql =
    kind === 'sqlite'
      ? `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${originals})
         insert into deployments (${columns})
         select 'dep_o' || i, 'app' || (i % ${apps}), 'env' || ((i / ${apps}) % ${envs}), '1.' || i, printf('%040x', i), 'acme/app' || (i % ${apps}), 'command',
           ${status}, ${rollback}, 'ci', ${sqliteAt(start, 'i', 0)}, ${sqliteAt(start, 'i', 2)}, ${sqliteAt(start, 'i', 62)}
         from n`
      : `insert into deployments (${columns})
         select 'dep_o' || i, 'app' || (i % ${apps}), 'env' || ((i / ${apps}) % ${envs}), '1.' || i, lpad(to_hex(i), 40, '0'), 'acme/app' || (i % ${apps}), 'command',
           ${status}, ${rollback}, 'ci', ${postgresAt(start, 'i', 0)}, ${postgresAt(start, 'i', 2)}, ${postgresAt(start, 'i', 62)}
         from generate_series(1, ${originals}) as i`;
  // Eleven in 27 of the originals can be copied: enough for 27% of the whole to be copies.
  const copies = `insert into deployments (${columns})
    select key || 'd', app, env, version, commit_sha, repo, provider, case when id % 2 = 0 then 'stale' else status end, is_rollback, operator,
      created_at, started_at, case when id % 2 = 0 then null else completed_at end
    from deployments where id % 27 < 11 order by id limit ${shape.duplicates}`;
  const rolledBack = `update deployments set rolled_back_by = id + ${pairStep}
    where id + ${pairStep} <= ${originals} and ${isRollback(`(id + ${pairStep})`)} and status = 'success'`;
  const rollbackOf = `update deployments set rollback_of = id - ${pairStep} where ${isRollback('id')} and id <= ${originals}`;
  const recordedSince = originals - Math.floor(originals / 3);
  const hoursBefore = (hours: string) => (kind === 'sqlite' ? `strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '-' || (${hours}) || ' hours')` : postgresShift('created_at', hours));
  const older = kind === 'sqlite' ? `printf('%040x', id + 100000000)` : `lpad(to_hex(id + 100000000), 40, '0')`;
  const commits = `insert into deployment_commits (deployment_id, sha, committed_at, shallow)
    select id, commit_sha, ${hoursBefore('1 + id % 47')}, 0 from deployments where id > ${recordedSince} and is_rollback = 0
    union all
    select id, ${older}, ${hoursBefore('30 + id % 170')}, 0 from deployments where id > ${recordedSince} and is_rollback = 0`;
  const events = [
    `insert into deployment_events (deployment_id, at, from_status, to_status, source, detail) select id, created_at, null, 'running', 'cli', null from deployments`,
    `insert into deployment_events (deployment_id, at, from_status, to_status, source, detail)
     select id, coalesce(completed_at, started_at), 'running', status, case when status = 'stale' then 'cleanup' else 'command' end, null from deployments`,
  ];
  return [originalsSql, rolledBack, rollbackOf, commits, copies, ...events];
}

function sqliteAt(start: string, step: string, plusSeconds: number): string {
  return `strftime('%Y-%m-%dT%H:%M:%fZ', '${start}', (${step} * ${stepSeconds} + ${plusSeconds}) || ' seconds')`;
}

function postgresShift(column: string, minusHours: string): string {
  return `to_char((cast(${column} as timestamptz) - (${minusHours}) * interval '1 hour') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function postgresAt(start: string, step: string, plusSeconds: number): string {
  return `to_char((timestamptz '${start}' + (${step} * ${stepSeconds} + ${plusSeconds}) * interval '1 second') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * The merge written straight in SQL, as a baseline for `cleanup --duplicates --apply` on the same data: the
 * klepaas copies share their original's time to the millisecond, so one window function over app, environment,
 * commit, version and rollback flag finds them all. The most final record of each is kept (then the newest), the
 * others' events and commits move to it, their ids and keys are recorded as merged, and they are deleted. Run in one
 * transaction.
 */
export function baselineMerge(kind: Kind, at: string): string[] {
  const rank = `case status ${statuses.map((status) => `when '${status}' then ${finality(status)}`).join(' ')} else 0 end`;
  return [
    `create temporary table baseline_merges as
     select id, kept_id from (
       select id, first_value(id) over (partition by app, env, commit_sha, version, is_rollback order by ${rank} desc, created_at desc, id desc) as kept_id
       from deployments where commit_sha is not null or version is not null
     ) as ranked where id <> kept_id`,
    `update deployment_events set deployment_id = m.kept_id from baseline_merges m where deployment_events.deployment_id = m.id`,
    // The commits only a duplicate recorded go to its kept record, as cleanup's do.
    `insert into deployment_commits (deployment_id, sha, committed_at, shallow)
     select m.kept_id, c.sha, c.committed_at, c.shallow from baseline_merges m join deployment_commits c on c.deployment_id = m.id where true
     on conflict (deployment_id, sha) do nothing`,
    // Links from other records (a rollback's target, a rolled-back record's rollback) follow their record, as cleanup's do.
    `update deployments set rollback_of = m.kept_id from baseline_merges m where deployments.rollback_of = m.id`,
    `update deployments set rolled_back_by = m.kept_id from baseline_merges m where deployments.rolled_back_by = m.id`,
    `insert into merged_deployments (id, key, idempotency_key, merged_into, merged_at)
     select d.id, d.key, d.idempotency_key, m.kept_id, '${at}' from baseline_merges m join deployments d on d.id = m.id`,
    `delete from deployments where id in (select id from baseline_merges)`,
    kind === 'sqlite' ? 'drop table temp.baseline_merges' : 'drop table baseline_merges',
  ];
}

/**
 * A klepaas `deployment_histories` table of `rows` deployments of 40 repositories, one a minute (times as
 * SQLAlchemy writes them), for `import` to read; in a SQLite file whose table the caller has created.
 */
export function klepaasSource(rows: number, start: Date): string {
  const at = (plusSeconds: number) => `strftime('%Y-%m-%d %H:%M:%S', '${start.toISOString()}', (i * 60 + ${plusSeconds}) || ' seconds')`;
  return `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows})
    insert into deployment_histories (id, user_id, github_owner, github_repo, github_commit_sha, github_commit_message, status, image_name, image_tag,
      environment, is_rollback, rollback_from_id, started_at, completed_at, created_at)
    select i, 'user' || (i % 30), 'acme', 'svc' || (i % 40), printf('%040x', 7000000 + i), 'change ' || i,
      case when i % 20 = 0 then 'failed' else 'success' end, 'registry.acme.dev/svc' || (i % 40), '2.' || i,
      'prod', 0, null, ${at(0)}, ${at(90)}, ${at(0)}
    from n`;
}
