import { sql, type Insertable, type Transaction } from 'kysely';
import type { Deployment, DeploymentEvent, ProviderName } from '../deployment/deployment.js';
import { activeStatuses, unsettledStatuses, type Status } from '../deployment/lifecycle.js';
import { NotFoundError } from '../errors.js';
import { chunks } from './chunks.js';
import { toDeployment, toEvent } from './deployment-rows.js';
import type { StoreDialect } from './dialect.js';
import { selectMany } from './many-rows.js';
import { streamRows } from './row-stream.js';
import type { Database, DeploymentsTable } from './schema.js';
import type { Queryable } from './store.js';

/** A deployment's identity, the only thing handed from a committed transaction to the tracker. */
export type DeploymentRef = readonly [id: number, key: string];

/** Finds a deployment by its numeric id or its key; throws NotFoundError when neither matches. */
export async function getDeployment(q: Queryable, ref: string): Promise<Deployment> {
  const found = await findDeployment(q, ref);
  if (!found) throw new NotFoundError(ref);
  return found;
}

/**
 * Each of `refs` as getDeployment reads it, in their order, one query after another. Kysely runs a transaction's
 * queries one at a time, and every query waiting its turn wakes at each turn: 10,000 started at once (a
 * Promise.all) take some 50 million wake-ups, about 15 s, where one after another they take under a second.
 */
export async function getDeployments(q: Queryable, refs: readonly (string | number)[]): Promise<Deployment[]> {
  const deployments: Deployment[] = [];
  for (const ref of refs) deployments.push(await getDeployment(q, String(ref)));
  return deployments;
}

export async function findDeployment(q: Queryable, ref: string): Promise<Deployment | undefined> {
  return /^\d{1,15}$/.test(ref) ? findAnswering(q, 'id', Number(ref)) : findAnswering(q, 'key', ref);
}

export async function findByIdempotencyKey(q: Queryable, idempotencyKey: string): Promise<Deployment | undefined> {
  return findAnswering(q, 'idempotency_key', idempotencyKey);
}

/**
 * The record that answers to an id, key or idempotency key: the record holding it, else the one a record known by
 * it was merged into (cleanup --duplicates), so what CI or an import once wrote keeps resolving after a merge.
 */
async function findAnswering(q: Queryable, column: 'id' | 'key' | 'idempotency_key', value: string | number): Promise<Deployment | undefined> {
  const own = await q.selectFrom('deployments').selectAll().where(column, '=', value).executeTakeFirst();
  const row =
    own ??
    (await q
      .selectFrom('deployments')
      .selectAll()
      .where('id', 'in', q.selectFrom('merged_deployments').select('merged_into').where(column, '=', value))
      .executeTakeFirst());
  return row ? toDeployment(row) : undefined;
}

/** The records answering to each of these idempotency keys (their own or merged into them), set-based. */
export async function findByIdempotencyKeys(q: Queryable, idempotencyKeys: readonly string[]): Promise<Map<string, { id: number; status: Status }>> {
  const found = new Map<string, { id: number; status: Status }>();
  for (const chunk of chunks(idempotencyKeys)) {
    const own = await q.selectFrom('deployments').select(['id', 'status', 'idempotency_key']).where('idempotency_key', 'in', chunk).execute();
    const merged = await q
      .selectFrom('merged_deployments as m')
      .innerJoin('deployments as d', 'd.id', 'm.merged_into')
      .select(['d.id', 'd.status', 'm.idempotency_key'])
      .where('m.idempotency_key', 'in', chunk)
      .execute();
    for (const row of [...merged, ...own]) found.set(row.idempotency_key!, { id: Number(row.id), status: row.status });
  }
  return found;
}

/** The one pending or running deployment of an app in an environment, if any. */
export async function findActive(q: Queryable, app: string, env: string): Promise<Deployment | undefined> {
  const row = await q
    .selectFrom('deployments')
    .selectAll()
    .where('app', '=', app)
    .where('env', '=', env)
    .where('status', 'in', activeStatuses)
    .executeTakeFirst();
  return row ? toDeployment(row) : undefined;
}

export async function insertDeployment(q: Queryable, values: Insertable<DeploymentsTable>): Promise<DeploymentRef> {
  const row = await q.insertInto('deployments').values(values).returning(['id', 'key']).executeTakeFirstOrThrow();
  return [Number(row.id), row.key];
}

export async function listEvents(q: Queryable, deploymentId: number): Promise<DeploymentEvent[]> {
  const rows = await q.selectFrom('deployment_events').selectAll().where('deployment_id', '=', deploymentId).orderBy('id').execute();
  return rows.map(toEvent);
}

export interface HistoryFilter {
  app?: string;
  env?: string;
  status?: Status;
  since?: string;
}

/** history counts the matches up to here and no further: an exact count reads every match, all 100,000 of a 100k history. */
export const historyCountLimit = 1_000;

/**
 * The newest `limit` matches, with how many match. The count stops at `historyCountLimit`, `moreThan` then saying
 * there are more: counting a whole history costs more than the page (on PostgreSQL at 100k records, 13 of the
 * statement's 14 ms; counting to 1,000 costs 0.5 ms). It rides in the page's own statement: one snapshot, and on
 * PostgreSQL one round trip and one plan instead of two.
 */
export async function listHistory(q: Queryable, filter: HistoryFilter, limit: number): Promise<{ deployments: Deployment[]; total: number; moreThan: boolean }> {
  const firstMatches = historyQuery(q, filter).select(sql.lit(1).as('one')).limit(historyCountLimit + 1);
  const counted = q.selectFrom(firstMatches.as('first_matches')).select((eb) => eb.fn.countAll<string | number>().as('count'));
  const rows = await newestFirst(q, filter).select(counted.as('total')).limit(limit).execute();
  const total = Number(rows[0]?.total ?? 0);
  return { deployments: rows.map(toDeployment), total: Math.min(total, historyCountLimit), moreThan: total > historyCountLimit };
}

/** Every match, newest first, read as it is needed (`history --all`): a history of any length holds one page in memory. */
export async function* streamHistory(tx: Transaction<Database>, kind: StoreDialect['kind'], filter: HistoryFilter): AsyncGenerator<Deployment> {
  for await (const row of streamRows(tx, kind, newestFirst(tx, filter))) yield toDeployment(row);
}

function newestFirst(q: Queryable, filter: HistoryFilter) {
  return historyQuery(q, filter).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
}

function historyQuery(q: Queryable, filter: HistoryFilter) {
  let query = q.selectFrom('deployments');
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.env !== undefined) query = query.where('env', '=', filter.env);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  // The few open records have a partial index, which SQLite takes only when the query names its condition.
  if (filter.status !== undefined && unsettledStatuses.includes(filter.status)) query = query.where('status', 'in', unsettledIndexTerm);
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  return query;
}

/**
 * The condition of the partial indexes on open records, in literals: with bound parameters SQLite cannot see
 * that a query matches an index's WHERE and reads every record instead. Add it beside any narrower status filter.
 */
export const unsettledIndexTerm = unsettledStatuses.map((status) => sql.lit(status));

/** Which deployments still to be followed a follower takes up (`poll`/`track --all`). */
export interface OpenFilter {
  providers: readonly ProviderName[];
  /** Active or unresolved statuses only; final records are never followed. */
  statuses: readonly Status[];
  /** Any of these applications; every one when empty. */
  apps: readonly string[];
  /** Any of these environments; every one when empty. */
  envs: readonly string[];
}

/** The refs of the deployments still to be followed that the filter takes, in id order. */
export async function listOpenRefs(q: Queryable, filter: OpenFilter): Promise<DeploymentRef[]> {
  let query = q
    .selectFrom('deployments')
    .select(['id', 'key'])
    .where('provider', 'in', filter.providers)
    .where('status', 'in', filter.statuses)
    .where('status', 'in', unsettledIndexTerm);
  if (filter.apps.length > 0) query = query.where('app', 'in', filter.apps);
  if (filter.envs.length > 0) query = query.where('env', 'in', filter.envs);
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => [Number(row.id), row.key] as const);
}

export interface EnvironmentState<Shown = Deployment> {
  app: string;
  env: string;
  /** The last successful deployment: what runs there now. */
  current: Shown | null;
  /** Deployments still pending or running, and ones left unresolved (timeout, stale). */
  open: Shown[];
}

/** What status shows of a deployment on a terminal: the columns of its table, and what places them. */
export type ShownDeployment = Pick<Deployment, 'id' | 'key' | 'app' | 'env' | 'version' | 'image' | 'commitSha' | 'status' | 'operator' | 'createdAt' | 'completedAt'>;

type PairFilter = { app?: string; env?: string };

/** What runs where: for each app and environment, its last success and what is still open. */
export async function listEnvironmentStates(q: Queryable, kind: StoreDialect['kind'], filter: PairFilter): Promise<EnvironmentState[]> {
  const records = lastSuccesses(q, filter).selectAll('d').unionAll(openRecords(q, filter).selectAll('d'));
  return byEnvironment((await selectMany(kind, q, records, 'id')).map(toDeployment));
}

/**
 * listEnvironmentStates with only what status's table shows of each record: under half its columns, and so of
 * what PostgreSQL builds and sends for 250 environments.
 */
export async function listShownEnvironmentStates(q: Queryable, kind: StoreDialect['kind'], filter: PairFilter): Promise<EnvironmentState<ShownDeployment>[]> {
  const columns = ['d.id', 'd.key', 'd.app', 'd.env', 'd.version', 'd.image', 'd.commit_sha', 'd.status', 'd.operator', 'd.created_at', 'd.completed_at'] as const;
  const records = lastSuccesses(q, filter).select(columns).unionAll(openRecords(q, filter).select(columns));
  return byEnvironment(
    (await selectMany(kind, q, records, 'id')).map((row) => ({
      id: Number(row.id),
      key: row.key,
      app: row.app,
      env: row.env,
      version: row.version,
      image: row.image,
      commitSha: row.commit_sha,
      status: row.status,
      operator: row.operator,
      createdAt: row.created_at,
      completedAt: row.completed_at,
    })),
  );
}

/** Records, in id order, gathered by app and environment: every success among them is its pair's last, every other record open. */
function byEnvironment<Shown extends { app: string; env: string; status: Status }>(records: readonly Shown[]): EnvironmentState<Shown>[] {
  const states = new Map<string, EnvironmentState<Shown>>();
  for (const d of records) {
    const name = `${d.app}\u0000${d.env}`;
    let state = states.get(name);
    if (!state) states.set(name, (state = { app: d.app, env: d.env, current: null, open: [] }));
    if (d.status === 'success') state.current = d;
    else state.open.push(d);
  }
  // Code-point order, not localeCompare: its first call loads ICU's collator, ~15 ms of a status run.
  const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...states.values()].sort((a, b) => byCodePoint(a.app, b.app) || byCodePoint(a.env, b.env));
}

/**
 * The last success of each app and environment, kept in `last_successes` by the database's triggers. Together
 * with the open records, one statement: one round trip on PostgreSQL.
 */
function lastSuccesses(q: Queryable, filter: PairFilter) {
  return q
    .selectFrom('last_successes as s')
    .innerJoin('deployments as d', 'd.id', 's.deployment_id')
    .$if(filter.app !== undefined, (query) => query.where('s.app', '=', filter.app!))
    .$if(filter.env !== undefined, (query) => query.where('s.env', '=', filter.env!));
}

/** The records still pending or running, and those left unresolved. */
function openRecords(q: Queryable, filter: PairFilter) {
  return q
    .selectFrom('deployments as d')
    .where('d.status', 'in', unsettledIndexTerm)
    .$if(filter.app !== undefined, (query) => query.where('d.app', '=', filter.app!))
    .$if(filter.env !== undefined, (query) => query.where('d.env', '=', filter.env!));
}
