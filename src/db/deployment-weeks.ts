import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Database, DeploymentWeeksTable } from './schema.js';
import { inSpan, mondayOf, pairTerms, type SpanFilter } from './span-filter.js';
import { msBetween, weekOf } from './sql-time.js';

/*
 * `deployment_weeks` counts each app and environment's deployments of a week (of creation: ISO weeks, UTC, by their
 * Monday, as the report draws them) by how they stand, and the ones that ended success or failed by how long they
 * ran: stats and the report sum a row a week of each pair in the span, where they read every deployment of it (a
 * second and a half of a report at a million records). A week, not a day: an organisation of a thousand apps and
 * environments deploys each about once a day, so a row a day would be a row a deployment.
 *
 * Like delivered_changes, the database keeps it exact through triggers, whatever writes deployments: a row's part
 * is added when it is inserted, taken away when it is deleted, and on an update the old part is taken away and the
 * new one added. Parts only add up, so no order of writers matters and none waits for another beyond the row of
 * its own pair's week. A week whose deployments are all gone keeps a row of zeros.
 */

type Kind = StoreDialect['kind'];

/** What a week counts, each the condition a deployment meets to count in it. A change is a deployment that is not a rollback. */
const counts = {
  total: sql.raw('1 = 1'),
  success: sql.raw(`status = 'success'`),
  failed: sql.raw(`status = 'failed'`),
  cancelled: sql.raw(`status = 'cancelled'`),
  active: sql.raw(`status in ('pending', 'running')`),
  unresolved: sql.raw(`status in ('timeout', 'stale')`),
  rollbacks: sql.raw('is_rollback = 1'),
  successful_changes: sql.raw(`is_rollback = 0 and status = 'success'`),
  failed_changes: sql.raw(`is_rollback = 0 and status = 'failed'`),
  rolled_back_changes: sql.raw(`is_rollback = 0 and status = 'success' and rolled_back_by is not null`),
};

/**
 * The ranges of run time (start, or creation, to end) a week counts its deployments that ended success or failed
 * in: each holds the times below its bound and at or above the one before. Fixed by the migration that made the
 * table; other ranges need a migration of their own.
 */
export const runTimeRanges = [
  { column: 'ran_under_30s', belowMs: 30_000 },
  { column: 'ran_under_1m', belowMs: 60_000 },
  { column: 'ran_under_2m', belowMs: 120_000 },
  { column: 'ran_under_5m', belowMs: 300_000 },
  { column: 'ran_under_10m', belowMs: 600_000 },
  { column: 'ran_under_30m', belowMs: 1_800_000 },
  { column: 'ran_under_1h', belowMs: 3_600_000 },
  { column: 'ran_1h_or_more', belowMs: Infinity },
] as const;

type CountColumn = keyof typeof counts;
export type RunTimeColumn = (typeof runTimeRanges)[number]['column'];
type WeekCounts = DeploymentWeeksTable;

const countColumns = Object.keys(counts) as CountColumn[];
/** Every counted column, each a column of the table (the type says so). */
const allColumns: (CountColumn | RunTimeColumn)[] & (keyof DeploymentWeeksTable)[] = [...countColumns, ...runTimeRanges.map((range) => range.column)];

/** The columns of a deployment its part depends on: an update that changes none of them changes no week. */
const countedColumns = ['created_at', 'app', 'env', 'status', 'is_rollback', 'rolled_back_by', 'started_at', 'completed_at'] as const;

/**
 * The parts of `rows` (a query of the countedColumns and `sign`, 1 to add a deployment and -1 to take it away),
 * summed by week, app and environment.
 */
function summedParts(kind: Kind, rows: RawBuilder<unknown>): RawBuilder<WeekCounts> {
  const ran = msBetween(kind, sql.raw('coalesce(started_at, created_at)'), sql.raw('completed_at'));
  // Only for the deployments that ended (a CASE is lazy): PostgreSQL's update trigger sees every heartbeat's rows.
  const ended = sql.raw(`status in ('success', 'failed') and completed_at is not null`);
  const finite = runTimeRanges.filter((range) => Number.isFinite(range.belowMs));
  const range = sql`case when ran is not null then
    case ${sql.join(finite.map((bound, index) => sql`when ran < ${sql.lit(bound.belowMs)} then ${sql.lit(index)}`), sql` `)} else ${sql.lit(finite.length)} end end`;
  return sql<WeekCounts>`
    select ${weekOf(kind, sql.raw('created_at'))} as week, app, env,
      ${sql.join(countColumns.map((column) => sql`sum(case when ${counts[column]} then sign else 0 end) as ${sql.ref(column)}`))},
      ${sql.join(runTimeRanges.map(({ column }, index) => sql`sum(case when ran_range = ${sql.lit(index)} then sign else 0 end) as ${sql.ref(column)}`))}
    from (
      select parts.*, ${range} as ran_range
      from (select counted.*, case when ${ended} then ${ran} end as ran from (${rows}) as counted) as parts
    ) as ranged
    group by 1, app, env`;
}

/** Adds the parts of `rows` (see summedParts) to their weeks; sums that come to nothing write nothing. */
function addParts(kind: Kind, rows: RawBuilder<unknown>): RawBuilder<unknown> {
  const changed = sql.join(
    allColumns.map((column) => sql`${sql.ref(column)} <> 0`),
    sql` or `,
  );
  const names = sql.join(allColumns.map((column) => sql.ref(column)));
  // PostgreSQL writers run at once: each takes the weeks' rows in one order, so two never wait for each other.
  const order = kind === 'postgres' ? sql`order by week, app, env` : sql``;
  return sql`
    insert into deployment_weeks (week, app, env, ${names})
    select week, app, env, ${names} from (${summedParts(kind, rows)}) as summed where ${changed} ${order}
    on conflict (week, app, env) do update set
      ${sql.join(allColumns.map((column) => sql`${sql.ref(column)} = ${sql.ref(`deployment_weeks.${column}`)} + ${sql.ref(`excluded.${column}`)}`))}`;
}

/** The countedColumns of `source` (a table, or `old` or `new` in a SQLite row trigger), with `sign`. */
function countedOf(source: string, sign: 1 | -1, from = true): RawBuilder<unknown> {
  return sql`select ${sql.join(countedColumns.map((column) => sql.raw(`${source}.${column} as ${column}`)))}, ${sql.lit(sign)} as sign ${from ? sql.raw(`from ${source}`) : sql``}`;
}

export async function createDeploymentWeeks(tx: Transaction<Database>, kind: Kind): Promise<void> {
  await sql`
    create table deployment_weeks (
      week text not null,
      app text not null,
      env text not null,
      ${sql.join(allColumns.map((column) => sql`${sql.ref(column)} bigint not null default 0`))},
      primary key (week, app, env)
    )`.execute(tx);
  if (kind === 'sqlite') {
    const changedColumns = sql.join(countedColumns.map((column) => sql.raw(`old.${column} is not new.${column}`)), sql` or `);
    await sql`create trigger deployment_weeks_insert after insert on deployments begin ${addParts(kind, countedOf('new', 1, false))}; end`.execute(tx);
    await sql`create trigger deployment_weeks_delete after delete on deployments begin ${addParts(kind, countedOf('old', -1, false))}; end`.execute(tx);
    await sql`
      create trigger deployment_weeks_update after update of ${sql.raw(countedColumns.join(', '))} on deployments when ${changedColumns}
      begin ${addParts(kind, sql`${countedOf('old', -1, false)} union all ${countedOf('new', 1, false)}`)}; end`.execute(tx);
  } else {
    // Once a statement, from its transition tables: a bulk write (an import, cleanup's merge) is one upsert. An
    // update trigger with transition tables cannot name columns, so it runs for every update (a heartbeat of ten
    // thousand records too): a row whose id and counted columns are as they were is left out before anything is
    // worked out for it, and parts that cancel out write nothing.
    const follow = async (event: 'insert' | 'delete' | 'update', tables: string, rows: RawBuilder<unknown>) => {
      const name = sql.raw(`deployment_weeks_${event}`);
      await sql`
        create function ${name}() returns trigger language plpgsql as $$
        begin
          ${addParts(kind, rows)};
          return null;
        end $$`.execute(tx);
      await sql`
        create trigger ${name} after ${sql.raw(event)} on deployments
        referencing ${sql.raw(tables)} for each statement execute function ${name}()`.execute(tx);
    };
    await follow('insert', 'new table as inserted', countedOf('inserted', 1));
    await follow('delete', 'old table as deleted', countedOf('deleted', -1));
    // No row of `other` with the same id and counted columns as `row`.
    const withoutTwinIn = (other: string, row: string) =>
      sql.raw(`not exists (select 1 from ${other} where ${other}.id = ${row}.id and (${countedColumns.map((c) => `${other}.${c}`).join(', ')}) is not distinct from (${countedColumns.map((c) => `${row}.${c}`).join(', ')}))`);
    await follow(
      'update',
      'old table as before_update new table as after_update',
      sql`${countedOf('before_update', -1)} where ${withoutTwinIn('after_update', 'before_update')}
        union all ${countedOf('after_update', 1)} where ${withoutTwinIn('before_update', 'after_update')}`,
    );
  }
  // After the triggers: on PostgreSQL creating them waits for, then holds off, every writer of deployments until
  // this transaction commits, so no deployment written meanwhile is missed by this fill.
  await addParts(kind, countedOf('deployments', 1)).execute(tx);
}

/**
 * The counts of each week, app and environment of the span (see SpanFilter): the weeks after the one it begins in
 * from deployment_weeks, that first week from its deployments since the span's first instant.
 */
export function weeksInSpan(kind: Kind, filter: SpanFilter): RawBuilder<WeekCounts> {
  const firstWeek = mondayOf(filter.since.slice(0, 10));
  const nextWeek = new Date(Date.parse(`${firstWeek}T00:00:00.000Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
  const firstWeekRows = sql`${countedOf('deployments', 1)} where ${inSpan(filter)} and deployments.created_at < ${nextWeek}`;
  return sql<WeekCounts>`
    select week, app, env, ${sql.join(allColumns.map((column) => sql.ref(column)))} from deployment_weeks where week > ${firstWeek} ${pairTerms(filter, 'deployment_weeks')}
    union all
    ${summedParts(kind, firstWeekRows)}`;
}
