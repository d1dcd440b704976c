import type { SeedDeployment, SeedEvent, SyntheticHistory } from './synthetic-history.js';

/** What the concurrency run wrote into one environment, read back from the store itself. */
export interface EnvironmentCounts {
  deployments: number;
  successes: number;
  events: number;
  /** Every deployment in the store, seeded ones included. */
  allDeployments: number;
}

/** A store the bench seeds, points the CLI at, and inspects; SQLite and PostgreSQL differ only behind this. */
export interface BenchStore {
  readonly kind: 'sqlite' | 'postgres';
  /** What `--db` takes. */
  readonly spec: string;
  /** Bulk-inserts the history into a store whose schema the CLI has already created. */
  seed(history: SyntheticHistory): Promise<void>;
  countEnvironment(env: string): Promise<EnvironmentCounts>;
  dispose(): Promise<void>;
}

/**
 * The columns the seeders insert, in one order. `rolled_back_by` points forward (at a later rollback), which
 * the foreign key refuses at insert time, so it is inserted empty and set afterwards.
 */
export const deploymentColumns = [
  'id', 'key', 'app', 'env', 'version', 'commit_sha', 'repo', 'image', 'provider', 'target', 'status', 'is_rollback',
  'rollback_of', 'operator', 'message', 'ci_run_url', 'idempotency_key', 'created_at', 'started_at', 'completed_at', 'error',
] as const satisfies readonly (keyof SeedDeployment)[];

export const eventColumns = ['deployment_id', 'at', 'from_status', 'to_status', 'source', 'detail'] as const satisfies readonly (keyof SeedEvent)[];

/** The rollbacks' marks on the deployments they replaced, as [replaced id, rollback id]. */
export function rollbackMarks(history: SyntheticHistory): [id: number, rolledBackBy: number][] {
  return history.deployments.filter((d) => d.rolled_back_by !== null).map((d) => [d.id, d.rolled_back_by!]);
}
