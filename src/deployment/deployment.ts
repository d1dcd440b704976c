import type { EventSource, Status } from './lifecycle.js';

/** What carries a deployment out and follows it; `manual` is a record that CI closes with `finish`. */
export type ProviderName = 'command' | 'kubernetes' | 'helm' | 'ncp' | 'http' | 'manual';

/** A deployment as the contract shows it (JSON field names, camelCase): a plain value, detached from the store. */
export interface Deployment {
  id: number;
  key: string;
  app: string;
  env: string;
  version: string | null;
  commitSha: string | null;
  repo: string | null;
  image: string | null;
  provider: ProviderName;
  target: Record<string, unknown> | null;
  status: Status;
  isRollback: boolean;
  rollbackOf: number | null;
  rolledBackBy: number | null;
  operator: string | null;
  message: string | null;
  ciRunUrl: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface DeploymentEvent {
  at: string;
  from: Status | null;
  to: Status;
  source: EventSource;
  detail: string | null;
}
