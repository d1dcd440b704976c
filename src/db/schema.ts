import type { Generated } from 'kysely';
import type { ProviderName } from '../deployment/deployment.js';
import type { EventSource, Status } from '../deployment/lifecycle.js';

/**
 * The store's tables, as every query sees them. Times are ISO-8601 UTC text (`toISOString()`): they sort
 * correctly as text and read the same in SQLite and PostgreSQL. Booleans are 0/1 integers for the same reason.
 */
export interface Database {
  deployments: DeploymentsTable;
  deployment_events: DeploymentEventsTable;
  merged_deployments: MergedDeploymentsTable;
  last_successes: LastSuccessesTable;
  deployment_commits: DeploymentCommitsTable;
  delivered_changes: DeliveredChangesTable;
  deployment_weeks: DeploymentWeeksTable;
  shiplog_migrations: MigrationsTable;
}

export interface DeploymentsTable {
  id: Generated<number>;
  key: string;
  app: string;
  env: string;
  version: string | null;
  commit_sha: string | null;
  repo: string | null;
  image: string | null;
  provider: ProviderName;
  /** JSON text of the provider's details; never secrets. */
  target: string | null;
  status: Status;
  is_rollback: number;
  rollback_of: number | null;
  rolled_back_by: number | null;
  operator: string | null;
  message: string | null;
  ci_run_url: string | null;
  idempotency_key: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;
  /** Who follows the deployment now (`host:pid:nonce`), and when it last said it still does. */
  lease_owner: string | null;
  heartbeat_at: string | null;
}

export interface DeploymentEventsTable {
  id: Generated<number>;
  deployment_id: number;
  at: string;
  from_status: Status | null;
  to_status: Status;
  source: EventSource;
  detail: string | null;
}

/** A record cleanup merged into another: the identities it was known by, and the record that now answers to them. */
export interface MergedDeploymentsTable {
  /** The merged record's own id, never reused by the store. */
  id: number;
  key: string;
  /** Null when the record merged into took this key over as its own. */
  idempotency_key: string | null;
  merged_into: number;
  merged_at: string;
}

/**
 * Each app and environment's last success (its highest id with status `success`); a pair that never succeeded has
 * no row. Written only by the database's triggers on `deployments`, never by shiplog's code.
 */
export interface LastSuccessesTable {
  app: string;
  env: string;
  deployment_id: number;
}

/** A commit a deployment brought since the previous success of its app and environment, as the CI checkout knew it. */
export interface DeploymentCommitsTable {
  deployment_id: number;
  sha: string;
  /** The committer time. */
  committed_at: string;
  /** 1 when the checkout was shallow and this row is the head alone, standing for commits it could not read. */
  shallow: number;
}

/**
 * Each change (a commit a success that is not a rollback brought, or such a success without a commit, keyed `#id`)
 * of an app and environment at the first success that delivered it. Written only by the database's triggers (see
 * db/delivered-changes.ts), never by shiplog's code.
 */
export interface DeliveredChangesTable {
  app: string;
  env: string;
  sha: string;
  deployment_id: number;
  /** The first success's creation time: the span and week the change counts in. */
  created_at: string;
  /** The Monday (UTC) of the week of created_at, `YYYY-MM-DD`: the report's weekly trend groups by it. */
  week: string;
  completed_at: string | null;
  /** The commit time, where a success recorded it. */
  committed_at: string | null;
  /** From commit to the first success's completion, when both are known and in that order; PostgreSQL answers text. */
  lead_ms: number | string | null;
}

/**
 * Each app and environment's deployments of a week (of creation, by its Monday, UTC), counted by how they stand and how long those
 * that ended ran. Written only by the database's triggers (see db/deployment-weeks.ts), never by shiplog's code.
 */
export interface DeploymentWeeksTable {
  /** The Monday (UTC) of the week, `YYYY-MM-DD`. */
  week: string;
  app: string;
  env: string;
  total: Count;
  success: Count;
  failed: Count;
  cancelled: Count;
  /** Pending or running. */
  active: Count;
  /** Left timeout or stale. */
  unresolved: Count;
  rollbacks: Count;
  /** Changes (deployments that are not rollbacks) that succeeded, failed, and succeeded and were later rolled back. */
  successful_changes: Count;
  failed_changes: Count;
  rolled_back_changes: Count;
  /** Those that ended success or failed, by how long they ran (db/deployment-weeks.ts's runTimeRanges). */
  ran_under_30s: Count;
  ran_under_1m: Count;
  ran_under_2m: Count;
  ran_under_5m: Count;
  ran_under_10m: Count;
  ran_under_30m: Count;
  ran_under_1h: Count;
  ran_1h_or_more: Count;
}

/** A count as a query answers it: PostgreSQL answers bigint and sums as text. */
type Count = number | string;

export interface MigrationsTable {
  name: string;
  applied_at: string;
}
