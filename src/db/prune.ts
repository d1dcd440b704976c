import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { finalStatuses } from '../deployment/lifecycle.js';
import { chunks } from './chunks.js';
import { toDeployment } from './deployment-rows.js';
import type { StoreDialect } from './dialect.js';
import { streamRawRows } from './row-stream.js';
import type { Database, DeploymentsTable } from './schema.js';
import type { Queryable } from './store.js';

export interface PruneRule {
  /** ISO-8601 UTC: only records created before then. */
  createdBefore: string;
  /** The newest this many records of each app and environment stay, whatever their age. */
  keep: number;
}

export interface Prunable extends Deployment {
  events: number;
}

/** What retention deletes: records, and their events with them. */
export interface PruneCounts {
  records: number;
  events: number;
}

type PrunableRow = Selectable<DeploymentsTable> & { events: number | string; ordinal: number | string };

/** Where apply keeps the plan while it deletes, dropped with the transaction's end. */
const plan = sql.table('cleanup_prunable');

/**
 * The records retention may delete, in one query, as (id, ordinal): final ones older than the cutoff, beyond the
 * newest `keep` of their app and environment. Never one another record points at (a rollback link), and never the
 * last success of an app and environment, which is what runs there and what `status` shows.
 */
function prunableIds(rule: PruneRule): RawBuilder<{ id: number; ordinal: number | string }> {
  return sql`
    with ranked as (
      select d.id, d.app, d.env, d.created_at, d.status, row_number() over (partition by app, env order by created_at desc, id desc) as newness
      from deployments d
    )
    select r.id, row_number() over (order by r.app, r.env, r.created_at, r.id) as ordinal
    from ranked r
    where r.newness > ${rule.keep}
      and r.created_at < ${rule.createdBefore}
      and r.status in (${sql.join(finalStatuses.map((status) => sql.lit(status)))})
      and r.id not in (select deployment_id from last_successes)
      and not exists (select 1 from deployments x where x.rollback_of = r.id)
      and not exists (select 1 from deployments x where x.rolled_back_by = r.id)`;
}

/** Hands each record retention would delete to `onRecord` as it is read (by app, environment, age), and returns the counts. */
export async function planPrune(tx: Transaction<Database>, kind: StoreDialect['kind'], rule: PruneRule, onRecord: (record: Prunable) => void): Promise<PruneCounts> {
  return readPrunable(tx, kind, prunableIds(rule), onRecord);
}

/**
 * Plans and deletes in one transaction: the plan goes to a temporary table, each record is handed to `onRecord` as
 * it was, `beforeChange` runs before the first change (only if there is one), then the records, their events and the
 * keys of records merged into them go, a statement each.
 */
export async function prune(
  tx: Transaction<Database>,
  kind: StoreDialect['kind'],
  rule: PruneRule,
  onRecord: (record: Prunable) => void,
  beforeChange: () => Promise<void>,
): Promise<PruneCounts> {
  await sql`create temporary table ${plan} (id integer primary key, ordinal integer not null)`.execute(tx);
  await sql`insert into ${plan} (id, ordinal) select id, ordinal from (${prunableIds(rule)}) as p`.execute(tx);
  const counts = await readPrunable(tx, kind, sql`select id, ordinal from ${plan}`, onRecord);
  if (counts.records > 0) {
    await beforeChange();
    const ids = sql`select id from ${plan}`;
    await sql`delete from deployment_events where deployment_id in (${ids})`.execute(tx);
    await sql`delete from merged_deployments where merged_into in (${ids})`.execute(tx);
    await sql`delete from deployments where id in (${ids})`.execute(tx);
  }
  await sql`drop table ${plan}`.execute(tx);
  return counts;
}

async function readPrunable(
  tx: Transaction<Database>,
  kind: StoreDialect['kind'],
  ids: RawBuilder<{ id: number; ordinal: number | string }>,
  onRecord: (record: Prunable) => void,
): Promise<PruneCounts> {
  const records = sql<PrunableRow>`
    select d.*, p.ordinal, (select count(*) from deployment_events e where e.deployment_id = d.id) as events
    from (${ids}) as p join deployments d on d.id = p.id`;
  const counts: PruneCounts = { records: 0, events: 0 };
  for await (const row of streamRawRows(tx, kind, records, 'ordinal')) {
    const record = { ...toDeployment(row), events: Number(row.events) };
    counts.records += 1;
    counts.events += record.events;
    onRecord(record);
  }
  return counts;
}

/** Deletes the records, their events and the merged records' keys that answered with them, a statement-sized batch at a time. */
export async function deleteDeployments(q: Queryable, ids: readonly number[]): Promise<void> {
  for (const chunk of chunks(ids)) {
    await q.deleteFrom('deployment_events').where('deployment_id', 'in', chunk).execute();
    await q.deleteFrom('merged_deployments').where('merged_into', 'in', chunk).execute();
    await q.deleteFrom('deployments').where('id', 'in', chunk).execute();
  }
}
