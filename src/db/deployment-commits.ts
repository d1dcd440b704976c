import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Queryable } from './store.js';

/** A commit a deployment brought (see DeploymentCommitsTable). */
export interface BroughtCommit {
  sha: string;
  /** The committer time, ISO-8601 UTC. */
  committedAt: string;
  /** The checkout was shallow: this is the head alone, standing for commits it did not have. */
  shallow: boolean;
}

/** The commit of the last success of an app and environment: where the commits a new deployment brings begin. */
export async function lastSuccessCommit(q: Queryable, app: string, env: string): Promise<string | null> {
  const row = await q
    .selectFrom('last_successes as l')
    .innerJoin('deployments as d', 'd.id', 'l.deployment_id')
    .select('d.commit_sha')
    .where('l.app', '=', app)
    .where('l.env', '=', env)
    .executeTakeFirst();
  return row?.commit_sha ?? null;
}

export async function insertCommits(tx: Transaction<Database>, deploymentId: number, commits: readonly BroughtCommit[]): Promise<void> {
  if (commits.length === 0) return;
  await tx
    .insertInto('deployment_commits')
    .values(commits.map((c) => ({ deployment_id: deploymentId, sha: c.sha, committed_at: c.committedAt, shallow: c.shallow ? 1 : 0 })))
    .execute();
}
