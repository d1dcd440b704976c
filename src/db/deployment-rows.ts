import type { Selectable } from 'kysely';
import type { Deployment, DeploymentEvent } from '../deployment/deployment.js';
import type { DeploymentEventsTable, DeploymentsTable } from './schema.js';

/** A row of deployments as the plain value the contract shows, detached from the connection it was read on. */
export function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  const begun = row.started_at ?? row.created_at;
  return {
    id: Number(row.id),
    key: row.key,
    app: row.app,
    env: row.env,
    version: row.version,
    commitSha: row.commit_sha,
    repo: row.repo,
    image: row.image,
    provider: row.provider,
    target: row.target ? (JSON.parse(row.target) as Record<string, unknown>) : null,
    status: row.status,
    isRollback: Number(row.is_rollback) === 1,
    rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
    rolledBackBy: row.rolled_back_by === null ? null : Number(row.rolled_back_by),
    operator: row.operator,
    message: row.message,
    ciRunUrl: row.ci_run_url,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    durationMs: row.completed_at ? Date.parse(row.completed_at) - Date.parse(begun) : null,
    error: row.error,
  };
}

/** A row of deployment_events as the plain value the contract shows. */
export function toEvent(row: Selectable<DeploymentEventsTable>): DeploymentEvent {
  return { at: row.at, from: row.from_status, to: row.to_status, source: row.source, detail: row.detail };
}
