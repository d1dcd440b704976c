import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Deployment } from '../deployment/deployment.js';
import { finality, statuses } from '../deployment/lifecycle.js';
import { chunks } from './chunks.js';
import { toDeployment } from './deployment-rows.js';
import type { StoreDialect } from './dialect.js';
import type { DeploymentsTable } from './schema.js';
import { epochMs, shiftedIso } from './sql-time.js';
import type { Queryable } from './store.js';

/** Records of one deployment written more than once: the one kept and the ones merged into it. */
export interface DuplicateGroup {
  kept: Deployment;
  duplicates: Deployment[];
}

type MemberRow = Selectable<DeploymentsTable> & { rank: number | string };

/**
 * Finds duplicates in one query: records of the same app, environment, commit, version and rollback flag
 * whose creation times follow each other at most `windowMs` apart (a chain, so a tracker that wrote one
 * deployment every 30 seconds for five minutes leaves one group). In each group the most final status
 * wins, then the newest. Records with neither commit nor version carry nothing that says they are the
 * same deployment and are never grouped; a record a live follower holds is left alone.
 *
 * Only records with a twin within the window take part in the window functions: finding those first is
 * one index probe per record (app, env, created_at), where sorting the whole history by identity is not.
 */
export async function findDuplicates(q: Queryable, kind: StoreDialect['kind'], windowMs: number, leaseExpiredBefore: string): Promise<DuplicateGroup[]> {
  const identity = sql`app, env, commit_sha, version, is_rollback`;
  const unheld = (table: string) =>
    sql`(${sql.ref(`${table}.lease_owner`)} is null or ${sql.ref(`${table}.heartbeat_at`)} is null or ${sql.ref(`${table}.heartbeat_at`)} < ${leaseExpiredBefore})`;
  // Null-safe equality written so PostgreSQL can hash on it: `a = b or (a is null and b is null)` cannot be
  // hashed, and without statistics on a freshly filled table the planner then compares pairs for minutes.
  const sameAs = (column: string) => {
    const [mine, theirs] = [sql.ref(`o.${column}`), sql.ref(`d.${column}`)];
    return sql`coalesce(${mine}, '') = coalesce(${theirs}, '') and (${mine} is null) = (${theirs} is null)`;
  };
  const result = await sql<MemberRow>`
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
        row_number() over (partition by ${identity}, group_no order by finality desc, created_ms desc, id desc) as rank
      from grouped g
    )
    select d.*, r.rank
    from ranked r join deployments d on d.id = r.id
    where r.group_size > 1
    order by r.app, r.env, r.commit_sha, r.version, r.is_rollback, r.group_no, r.rank`.execute(q);
  const groups: DuplicateGroup[] = [];
  for (const row of result.rows) {
    const member = toDeployment(row);
    if (Number(row.rank) === 1) groups.push({ kept: member, duplicates: [] });
    else groups.at(-1)!.duplicates.push(member);
  }
  return groups;
}

/** `lifecycle.finality` as a SQL expression, so the database ranks statuses exactly as the code does. */
function finalityRank(column: string): RawBuilder<number> {
  return sql<number>`case ${sql.ref(column)} ${sql.join(
    statuses.map((status) => sql`when ${sql.lit(status)} then ${sql.lit(finality(status))}`),
    sql` `,
  )} else 0 end`;
}

/**
 * Merges each group into its kept record, set-based: the duplicates' events move to it, links from other
 * records (`rollback_of`, `rolled_back_by`, earlier merges) are pointed at it, what only a duplicate knew (that
 * it was rolled back, its idempotency key) is carried over, the duplicates are deleted and remembered in
 * `merged_deployments` (their ids and keys keep answering with the kept record), and the kept record gets a
 * `cleanup` event naming what was merged. Returns how many events moved.
 */
export async function mergeDuplicates(q: Queryable, groups: readonly DuplicateGroup[], at: string): Promise<number> {
  const keptFor = new Map<number, number>();
  for (const group of groups) for (const duplicate of group.duplicates) keptFor.set(duplicate.id, group.kept.id);
  const pairs = [...keptFor.entries()];
  let eventsMoved = 0;
  for (const chunk of chunks(pairs, 2)) {
    const moves = sql`(values ${sql.join(chunk.map(([from, to]) => sql`(cast(${from} as integer), cast(${to} as integer))`))}) as moves`;
    const moved = await sql`update deployment_events set deployment_id = moves.column2 from ${moves} where deployment_events.deployment_id = moves.column1`.execute(q);
    eventsMoved += Number(moved.numAffectedRows ?? 0);
    await sql`update deployments set rollback_of = moves.column2 from ${moves} where deployments.rollback_of = moves.column1`.execute(q);
    await sql`update deployments set rolled_back_by = moves.column2 from ${moves} where deployments.rolled_back_by = moves.column1`.execute(q);
    await sql`update merged_deployments set merged_into = moves.column2 from ${moves} where merged_deployments.merged_into = moves.column1`.execute(q);
  }
  for (const group of groups) {
    const rolledBackBy = group.kept.rolledBackBy ?? group.duplicates.find((d) => d.rolledBackBy !== null)?.rolledBackBy;
    if (group.kept.rolledBackBy === null && rolledBackBy !== undefined && rolledBackBy !== null) {
      await q.updateTable('deployments').set({ rolled_back_by: keptFor.get(rolledBackBy) ?? rolledBackBy }).where('id', '=', group.kept.id).execute();
    }
  }
  for (const chunk of chunks(pairs)) {
    await q.deleteFrom('deployments').where('id', 'in', chunk.map(([duplicate]) => duplicate)).execute();
  }
  const takenOver = new Map<number, string>();
  for (const group of groups) {
    const idempotencyKey = group.duplicates.find((d) => d.idempotencyKey !== null)?.idempotencyKey;
    if (group.kept.idempotencyKey === null && idempotencyKey) {
      await q.updateTable('deployments').set({ idempotency_key: idempotencyKey }).where('id', '=', group.kept.id).execute();
      takenOver.set(group.kept.id, idempotencyKey);
    }
  }
  const merged = groups.flatMap((group) =>
    group.duplicates.map((d) => ({
      id: d.id,
      key: d.key,
      idempotency_key: d.idempotencyKey === takenOver.get(group.kept.id) ? null : d.idempotencyKey,
      merged_into: group.kept.id,
      merged_at: at,
    })),
  );
  for (const chunk of chunks(merged, 5)) await q.insertInto('merged_deployments').values(chunk).execute();
  for (const chunk of chunks(groups, 6)) {
    await q
      .insertInto('deployment_events')
      .values(
        chunk.map((group) => ({
          deployment_id: group.kept.id,
          at,
          from_status: group.kept.status,
          to_status: group.kept.status,
          source: 'cleanup' as const,
          detail: `merged duplicates ${group.duplicates.map((d) => d.key).join(', ')}`,
        })),
      )
      .execute();
  }
  return eventsMoved;
}
