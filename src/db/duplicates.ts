import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { finality, statuses } from '../deployment/lifecycle.js';
import { chunks } from './chunks.js';
import { toDeployment } from './deployment-rows.js';
import type { StoreDialect } from './dialect.js';
import { streamRawRows } from './row-stream.js';
import type { Database, DeploymentsTable } from './schema.js';
import { withSmallSorts } from './sort-memory.js';
import { epochMs, shiftedIso } from './sql-time.js';
import type { Queryable } from './store.js';

/** Records of one deployment written more than once: the one kept and the ones merged into it. */
export interface DuplicateGroup {
  kept: Deployment;
  duplicates: Deployment[];
}

/** How many records would be merged, and into how many kept ones. */
export interface DuplicateCounts {
  groups: number;
  records: number;
}

/** What a merge did: the counts, and how many events moved to the kept records. */
export interface MergeOutcome extends DuplicateCounts {
  eventsMoved: number;
}

/** Which duplicates to look for: created within `windowMs` of each other, none held by a follower alive since `leaseExpiredBefore`. */
export interface DuplicateRule {
  windowMs: number;
  leaseExpiredBefore: string;
}

/** A member of a group: its record, its rank in the group (1 is kept), and where it comes in the plan's order. */
interface MemberRef {
  id: number;
  kept_id: number;
  rank: number | string;
  ordinal: number | string;
}

type MemberRow = Selectable<DeploymentsTable> & { rank: number | string; ordinal: number | string };

/** Where apply keeps the plan while it merges: one row per member, dropped with the transaction's end. */
const plan = sql.table('cleanup_duplicates');

/**
 * The members of every group of duplicates, in one query: records of the same app, environment, commit, version
 * and rollback flag whose creation times follow each other at most `windowMs` apart (a chain, so a tracker that
 * wrote one deployment every 30 seconds for five minutes leaves one group). In each group the most final status
 * wins, then the newest. Records with neither commit nor version carry nothing that says they are the same
 * deployment and are never grouped; a record a live follower holds is left alone.
 *
 * Only records with a twin within the window take part in the window functions: finding those first is one index
 * probe per record (app, env, created_at), where sorting the whole history by identity is not.
 */
function duplicateMembers(kind: StoreDialect['kind'], rule: DuplicateRule): RawBuilder<MemberRef> {
  const { windowMs, leaseExpiredBefore } = rule;
  const identity = sql`app, env, commit_sha, version, is_rollback`;
  const unheld = (table: string) =>
    sql`(${sql.ref(`${table}.lease_owner`)} is null or ${sql.ref(`${table}.heartbeat_at`)} is null or ${sql.ref(`${table}.heartbeat_at`)} < ${leaseExpiredBefore})`;
  // Null-safe equality written so PostgreSQL can hash on it: `a = b or (a is null and b is null)` cannot be
  // hashed, and without statistics on a freshly filled table the planner then compares pairs for minutes.
  const sameAs = (column: string) => {
    const [mine, theirs] = [sql.ref(`o.${column}`), sql.ref(`d.${column}`)];
    return sql`coalesce(${mine}, '') = coalesce(${theirs}, '') and (${mine} is null) = (${theirs} is null)`;
  };
  const inGroup = sql`partition by ${identity}, group_no order by finality desc, created_ms desc, id desc`;
  return sql<MemberRef>`
    with candidates as (
      select d.id, d.app, d.env, d.commit_sha, d.version, d.is_rollback, d.created_at,
        ${epochMs(kind, 'd.created_at')} as created_ms,
        ${finalityRank('d.status')} as finality
      from deployments d
      where (d.commit_sha is not null or d.version is not null) and ${unheld('d')}
        and exists (
          select 1 from deployments o
          where o.app = d.app and o.env = d.env
            and o.created_at >= ${shiftedIso(kind, 'd.created_at', -windowMs)} and o.created_at <= ${shiftedIso(kind, 'd.created_at', windowMs)}
            and o.id <> d.id and o.is_rollback = d.is_rollback and ${sameAs('commit_sha')} and ${sameAs('version')} and ${unheld('o')}
        )
    ),
    marked as (
      select c.*, case when created_ms - lag(created_ms) over (partition by ${identity} order by created_ms, id) <= ${windowMs}
        then 0 else 1 end as starts_group
      from candidates c
    ),
    grouped as (
      select m.*, sum(starts_group) over (partition by ${identity} order by created_ms, id rows between unbounded preceding and current row) as group_no
      from marked m
    ),
    ranked as (
      select g.*,
        count(*) over (partition by ${identity}, group_no) as group_size,
        row_number() over (${inGroup}) as rank,
        first_value(id) over (${inGroup}) as kept_id
      from grouped g
    )
    select id, kept_id, rank, row_number() over (order by ${identity}, group_no, rank) as ordinal
    from ranked
    where group_size > 1`;
}

/** `lifecycle.finality` as a SQL expression, so the database ranks statuses exactly as the code does. */
function finalityRank(column: string): RawBuilder<number> {
  return sql<number>`case ${sql.ref(column)} ${sql.join(
    statuses.map((status) => sql`when ${sql.lit(status)} then ${sql.lit(finality(status))}`),
    sql` `,
  )} else 0 end`;
}

/** How many records the rule finds duplicated, counted in the database. */
export async function countDuplicates(q: Queryable, kind: StoreDialect['kind'], rule: DuplicateRule): Promise<DuplicateCounts> {
  const { rows } = await sql<{ groups: number | string; records: number | string }>`
    select count(distinct kept_id) as groups, count(*) - count(distinct kept_id) as records from (${duplicateMembers(kind, rule)}) as m`.execute(q);
  return { groups: Number(rows[0]?.groups ?? 0), records: Number(rows[0]?.records ?? 0) };
}

/** Who reads the groups: `onGroup` hears each in full, up to `wanted` of them (all when undefined); the rest are only counted. */
export interface GroupReader {
  onGroup(group: DuplicateGroup): void;
  wanted?: number;
}

/**
 * Hands the groups of duplicates to `reader` as they are read, the kept record first, in a stable order (by app,
 * environment, commit, version, rollback flag, time), and returns the counts: memory holds one group, whatever
 * the size of the history.
 */
export async function planDuplicates(tx: Transaction<Database>, kind: StoreDialect['kind'], rule: DuplicateRule, reader: GroupReader): Promise<DuplicateCounts> {
  return withSmallSorts(tx, kind, () => readGroups(tx, kind, duplicateMembers(kind, rule), reader));
}

async function readGroups(tx: Transaction<Database>, kind: StoreDialect['kind'], members: RawBuilder<MemberRef>, reader: GroupReader): Promise<DuplicateCounts> {
  if (reader.wanted !== undefined) return readFirstGroups(tx, kind, members, reader.wanted, reader.onGroup);
  const counts: DuplicateCounts = { groups: 0, records: 0 };
  let group: DuplicateGroup | undefined;
  const records = sql<MemberRow>`select d.*, m.rank, m.ordinal from (${members}) as m join deployments d on d.id = m.id`;
  for await (const row of streamRawRows(tx, kind, records, 'ordinal')) {
    const member = toDeployment(row);
    if (Number(row.rank) === 1) {
      if (group) reader.onGroup(group);
      group = { kept: member, duplicates: [] };
      counts.groups += 1;
    } else {
      group!.duplicates.push(member);
      counts.records += 1;
    }
  }
  if (group) reader.onGroup(group);
  return counts;
}

/**
 * Counts every group but reads only the first `wanted` whole: the members' ids and ranks alone cross the
 * connection, and the few records shown are read by id afterwards.
 */
async function readFirstGroups(
  tx: Transaction<Database>,
  kind: StoreDialect['kind'],
  members: RawBuilder<MemberRef>,
  wanted: number,
  onGroup: (group: DuplicateGroup) => void,
): Promise<DuplicateCounts> {
  const counts: DuplicateCounts = { groups: 0, records: 0 };
  const shown: number[][] = [];
  for await (const member of streamRawRows(tx, kind, members, 'ordinal')) {
    if (Number(member.rank) === 1) {
      counts.groups += 1;
      if (counts.groups <= wanted) shown.push([]);
    } else {
      counts.records += 1;
    }
    if (counts.groups <= wanted) shown.at(-1)!.push(Number(member.id));
  }
  const byId = new Map<number, Deployment>();
  for (const ids of chunks(shown.flat())) {
    for (const row of await tx.selectFrom('deployments').selectAll().where('id', 'in', ids).execute()) byId.set(Number(row.id), toDeployment(row));
  }
  for (const [kept, ...duplicates] of shown) onGroup({ kept: byId.get(kept!)!, duplicates: duplicates.map((id) => byId.get(id)!) });
  return counts;
}

/**
 * Plans and merges in one transaction, set-based: the plan is written to a temporary table, the groups are handed
 * to `reader` as they were before the merge, and `beforeChange` runs before the first change (and only if there is one).
 * Then the duplicates' events and recorded commits move to their kept record, links from other records (`rollback_of`, `rolled_back_by`,
 * earlier merges) are pointed at it, what only a duplicate knew (that it was rolled back, its idempotency key) is
 * carried over, the duplicates are remembered in `merged_deployments` (their ids and keys keep answering with the
 * kept record) and deleted, and each kept record gets a `cleanup` event naming what was merged into it. Each step
 * is one statement over the whole plan.
 */
export async function mergeDuplicates(
  tx: Transaction<Database>,
  kind: StoreDialect['kind'],
  rule: DuplicateRule,
  at: string,
  reader: GroupReader,
  beforeChange: () => Promise<void>,
): Promise<MergeOutcome> {
  await sql`create temporary table ${plan} (id integer primary key, kept_id integer not null, rank integer not null, ordinal integer not null, handed_key text)`.execute(tx);
  await sql`create index cleanup_duplicates_kept on ${plan} (kept_id, rank)`.execute(tx);
  await sql`insert into ${plan} (id, kept_id, rank, ordinal) select id, kept_id, rank, ordinal from (${duplicateMembers(kind, rule)}) as m`.execute(tx);
  const counts = await readGroups(tx, kind, sql<MemberRef>`select id, kept_id, rank, ordinal from ${plan}`, reader);
  if (counts.records === 0) {
    await sql`drop table ${plan}`.execute(tx);
    return { ...counts, eventsMoved: 0 };
  }
  await beforeChange();
  const duplicates = sql`select id, kept_id from ${plan} where rank > 1`;
  const moved = await sql`update deployment_events set deployment_id = p.kept_id from (${duplicates}) as p where deployment_events.deployment_id = p.id`.execute(tx);
  // The commits a duplicate recorded are the deployment's too: the kept record takes those it lacks, where deleting
  // the duplicate would have taken them with it (lead time would lose the changes only it knew). `where true` keeps
  // SQLite from reading the upsert's `on` as a join's.
  await sql`
    insert into deployment_commits (deployment_id, sha, committed_at, shallow)
    select p.kept_id, c.sha, c.committed_at, c.shallow from (${duplicates}) as p join deployment_commits c on c.deployment_id = p.id where true
    on conflict (deployment_id, sha) do nothing`.execute(tx);
  for (const [table, column] of [['deployments', 'rollback_of'], ['deployments', 'rolled_back_by'], ['merged_deployments', 'merged_into']] as const) {
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = p.kept_id from (${duplicates}) as p where ${sql.ref(`${table}.${column}`)} = p.id`.execute(tx);
  }
  // A kept record not rolled back takes the mark of its first duplicate (in rank order) that was: pointed just
  // above at the kept record of the rollback, where that was merged too.
  await sql`
    update deployments set rolled_back_by = first.rolled_back_by
    from (select f.kept_id, d.rolled_back_by from (${firstOfGroup(sql`d.rolled_back_by is not null`)}) as f join deployments d on d.id = f.id) as first
    where deployments.id = first.kept_id and deployments.rolled_back_by is null`.execute(tx);
  // A kept record without an idempotency key takes its first duplicate's, so CI's retry with that key finds it; the
  // key moves once the duplicate is deleted, since two records cannot hold it at once.
  await sql`
    update ${plan} set handed_key = (select d.idempotency_key from deployments d where d.id = ${plan}.id)
    where id in (select f.id from (${firstOfGroup(sql`d.idempotency_key is not null`)}) as f join deployments k on k.id = f.kept_id where k.idempotency_key is null)`.execute(tx);
  await sql`
    insert into merged_deployments (id, key, idempotency_key, merged_into, merged_at)
    select d.id, d.key, case when p.handed_key is null then d.idempotency_key end, p.kept_id, ${at}
    from ${plan} p join deployments d on d.id = p.id where p.rank > 1`.execute(tx);
  const keys = kind === 'sqlite' ? sql`group_concat(d.key, ', ' order by p.rank)` : sql`string_agg(d.key, ', ' order by p.rank)`;
  await sql`
    insert into deployment_events (deployment_id, at, from_status, to_status, source, detail)
    select k.id, ${at}, k.status, k.status, 'cleanup', 'merged duplicates ' || m.keys
    from (select p.kept_id, ${keys} as keys from ${plan} p join deployments d on d.id = p.id where p.rank > 1 group by p.kept_id) as m
    join deployments k on k.id = m.kept_id`.execute(tx);
  await sql`delete from deployments where id in (select id from ${plan} where rank > 1)`.execute(tx);
  await sql`update deployments set idempotency_key = p.handed_key from ${plan} p where deployments.id = p.kept_id and p.handed_key is not null`.execute(tx);
  await sql`drop table ${plan}`.execute(tx);
  return { ...counts, eventsMoved: Number(moved.numAffectedRows ?? 0) };
}

/** Per kept record, its first duplicate (in rank order) that meets `condition` (on `d`, the duplicate's record), as (kept_id, id). */
function firstOfGroup(condition: RawBuilder<unknown>): RawBuilder<{ kept_id: number; id: number }> {
  const met = sql`select p.kept_id, p.rank, p.id from ${plan} p join deployments d on d.id = p.id where p.rank > 1 and ${condition}`;
  return sql`
    select met.kept_id, met.id from (${met}) as met
    where met.rank = (select min(p2.rank) from ${plan} p2 join deployments d on d.id = p2.id where p2.kept_id = met.kept_id and p2.rank > 1 and ${condition})`;
}
