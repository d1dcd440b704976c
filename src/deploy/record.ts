import type { Deployment, ProviderName } from '../deployment/deployment.js';
import { toDeployment } from '../db/deployment-rows.js';
import type { Selectable, Transaction } from 'kysely';
import { lastHeardFrom, staleAge } from '../db/abandoned.js';
import { insertCommits, type BroughtCommit } from '../db/deployment-commits.js';
import { findActive, findByIdempotencyKey, insertDeployment, type DeploymentRef } from '../db/deployments.js';
import type { Database, DeploymentsTable } from '../db/schema.js';
import { noteStatusChange } from '../db/status-changes.js';
import type { Store } from '../db/store.js';
import { applyTransition } from '../db/transition.js';
import { ConflictError } from '../errors.js';
import { formatDuration } from '../timing/duration.js';
import { newDeploymentKey } from '../deployment/ids.js';
import type { EventSource, Status } from '../deployment/lifecycle.js';
import { leaseExpiredBefore } from '../tracking/tracker.js';

/** What a new deployment record holds when it is created. */
export interface NewDeployment {
  app: string;
  env: string;
  version?: string;
  commitSha?: string;
  repo?: string;
  image?: string;
  provider: ProviderName;
  target?: Record<string, unknown>;
  /** `pending` when a provider still has to start it, `running` when it already runs elsewhere. */
  status: Extract<Status, 'pending' | 'running'>;
  isRollback?: boolean;
  rollbackOf?: number;
  operator?: string;
  message?: string;
  ciRunUrl?: string;
  idempotencyKey?: string;
  /** The older active deployment of the same app and environment becomes `cancelled` instead of refusing. */
  supersede?: boolean;
  source: EventSource;
  /**
   * The tracker owner of the process that will start and follow it: the record carries that lease from its
   * first moment, so a process killed before it starts it leaves a record others can tell is abandoned.
   */
  leaseOwner?: string;
  /** The commits it brings, read from the CI checkout before the record is written (see readCommitsBrought). */
  commits?: readonly BroughtCommit[];
}

export type Recorded = { ref: DeploymentRef; created: true } | { ref: DeploymentRef; created: false; existing: Deployment };

/** Racing writers on PostgreSQL can both pass the checks; the loser's insert hits a unique index and re-reads. */
const attempts = 3;

/**
 * Records a deployment in one transaction: returns the first deployment for a reused idempotency key, refuses
 * (or supersedes) a second active deployment of the same app and environment, and writes the record with its
 * first event.
 */
export async function recordDeployment(store: Store, request: NewDeployment): Promise<Recorded> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await store.write((tx) => recordOnce(tx, request));
    } catch (error) {
      if (attempt >= attempts || !store.dialect.isUniqueViolation(error)) throw error;
    }
  }
}

async function recordOnce(tx: Transaction<Database>, request: NewDeployment): Promise<Recorded> {
  // Read the active deployment before the key: under READ COMMITTED a deployment committed between the two
  // reads is then seen by the key lookup, so a racing twin with the same key is returned, not refused.
  const active = await findActive(tx, request.app, request.env);
  if (request.idempotencyKey !== undefined) {
    const first = await findByIdempotencyKey(tx, request.idempotencyKey);
    if (first) {
      const differences = contentDifferences(first, request);
      if (differences.length > 0) {
        throw new ConflictError(
          `idempotency key '${request.idempotencyKey}' was already used for ${first.key} with another ${differences.join(', ')}; use a new --key`,
          'idempotency_conflict',
        );
      }
      return { ref: [first.id, first.key], created: false, existing: first };
    }
  }
  const now = new Date().toISOString();
  const key = newDeploymentKey();
  if (active) {
    if (!request.supersede) throw new ConflictError(await activeConflict(tx, active, now), 'active_conflict');
    const superseded = await applyTransition(tx, {
      id: active.id,
      from: active.status,
      to: 'cancelled',
      source: request.source,
      detail: `superseded by ${key}`,
      set: { error: `superseded by ${key}` },
      at: now,
    });
    if (!superseded) throw new ConflictError(`${active.key} changed while it was being superseded; run the command again`, 'active_conflict');
  }
  const values: Omit<Selectable<DeploymentsTable>, 'id'> = {
    key,
    app: request.app,
    env: request.env,
    version: request.version ?? null,
    commit_sha: request.commitSha ?? null,
    repo: request.repo ?? null,
    image: request.image ?? null,
    provider: request.provider,
    target: request.target ? JSON.stringify(request.target) : null,
    status: request.status,
    is_rollback: request.isRollback ? 1 : 0,
    rollback_of: request.rollbackOf ?? null,
    rolled_back_by: null,
    operator: request.operator ?? null,
    message: request.message ?? null,
    ci_run_url: request.ciRunUrl ?? null,
    idempotency_key: request.idempotencyKey ?? null,
    created_at: now,
    started_at: request.status === 'running' ? now : null,
    completed_at: null,
    error: null,
    lease_owner: request.leaseOwner ?? null,
    heartbeat_at: request.leaseOwner === undefined ? null : now,
  };
  const ref = await insertDeployment(tx, values);
  await insertCommits(tx, ref[0], request.commits ?? []);
  const event = { at: now, from: null, to: request.status, source: request.source, detail: request.message ?? null };
  await tx
    .insertInto('deployment_events')
    .values({ deployment_id: ref[0], at: now, from_status: null, to_status: event.to, source: event.source, detail: event.detail })
    .execute();
  noteStatusChange(tx, { deployment: toDeployment({ ...values, id: ref[0] }), event });
  return { ref, created: true };
}

/**
 * Why a deploy is refused for the active deployment it found, and what to do. One whose shiplog died (its lease
 * expired) would block every later deploy until someone settles it, so the message says so and how.
 */
async function activeConflict(tx: Transaction<Database>, active: Deployment, now: string): Promise<string> {
  const since = `${active.status} since ${active.startedAt ?? active.createdAt}`;
  const heard = await lastHeardFrom(tx, active.id);
  const nowMs = Date.parse(now);
  if (heard === null || heard >= leaseExpiredBefore(nowMs)) {
    return `${active.app} in ${active.env} already has an active deployment ${active.key} (${since}); finish it, or pass --supersede to cancel it`;
  }
  const age = staleAge(nowMs - Date.parse(active.startedAt ?? active.createdAt));
  return (
    `${active.app} in ${active.env} already has an active deployment ${active.key} (${since}) whose shiplog is gone (last heard from ${formatDuration(nowMs - Date.parse(heard))} ago): ` +
    `settle it with 'shiplog cleanup --stale ${age} --reconcile --apply', or pass --supersede to cancel it`
  );
}

/** Which of the fields that define a deployment differ between the first use of a key and this one. */
function contentDifferences(first: Deployment, request: NewDeployment): string[] {
  const pairs: [string, unknown, unknown][] = [
    ['app', first.app, request.app],
    ['env', first.env, request.env],
    ['version', first.version, request.version ?? null],
    ['commit', first.commitSha, request.commitSha ?? null],
    ['image', first.image, request.image ?? null],
    ['provider', first.provider, request.provider],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([name]) => name);
}
