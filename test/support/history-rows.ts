import { openStore } from '../../src/db/open-store.js';
import type { ProviderName } from '../../src/deployment/deployment.js';
import type { Status } from '../../src/deployment/lifecycle.js';

/** A deployment row as an old shiplog, another tool or the passing of time left it: states the CLI cannot make today. */
export interface HistoryRow {
  app?: string;
  env?: string;
  version?: string | null;
  commitSha?: string | null;
  status: Status;
  provider?: ProviderName;
  target?: Record<string, unknown> | null;
  createdAt: Date;
  startedAt?: Date | null;
  completedAt?: Date | null;
  isRollback?: boolean;
  rollbackOf?: number | null;
  rolledBackBy?: number | null;
  leaseOwner?: string | null;
  heartbeatAt?: Date | null;
  idempotencyKey?: string | null;
  /** Events to write for the row besides its first one. */
  extraEvents?: number;
}

let sequence = 0;

/** Writes the rows (and a first event each) straight into the store, in order; returns their ids. */
export async function insertHistory(spec: string, rows: readonly HistoryRow[]): Promise<number[]> {
  const store = await openStore(spec);
  try {
    return await store.write(async (tx) => {
      const ids: number[] = [];
      for (const row of rows) {
        const created = row.createdAt.toISOString();
        const inserted = await tx
          .insertInto('deployments')
          .values({
            key: `dep_ROW${process.pid}${String((sequence += 1)).padStart(8, '0')}`,
            app: row.app ?? 'web',
            env: row.env ?? 'prod',
            version: row.version === undefined ? '1.0.0' : row.version,
            commit_sha: row.commitSha ?? null,
            repo: null,
            image: null,
            provider: row.provider ?? 'manual',
            target: row.target ? JSON.stringify(row.target) : null,
            status: row.status,
            is_rollback: row.isRollback ? 1 : 0,
            rollback_of: row.rollbackOf ?? null,
            rolled_back_by: row.rolledBackBy ?? null,
            operator: 'test',
            message: null,
            ci_run_url: null,
            idempotency_key: row.idempotencyKey ?? null,
            created_at: created,
            started_at: (row.startedAt === undefined ? row.createdAt : row.startedAt)?.toISOString() ?? null,
            completed_at: row.completedAt?.toISOString() ?? null,
            error: null,
            lease_owner: row.leaseOwner ?? null,
            heartbeat_at: row.heartbeatAt?.toISOString() ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = Number(inserted.id);
        ids.push(id);
        const events = Array.from({ length: 1 + (row.extraEvents ?? 0) }, (_, n) => ({
          deployment_id: id,
          at: created,
          from_status: n === 0 ? null : row.status,
          to_status: row.status,
          source: 'cli' as const,
          detail: n === 0 ? 'recorded' : `note ${n}`,
        }));
        await tx.insertInto('deployment_events').values(events).execute();
      }
      return ids;
    });
  } finally {
    await store.close();
  }
}

/** Sets columns that link rows written earlier (a rollback's `rolled_back_by` on what it replaced). */
export async function linkRollback(spec: string, replacedId: number, rollbackId: number): Promise<void> {
  const store = await openStore(spec);
  try {
    await store.write((tx) => tx.updateTable('deployments').set({ rolled_back_by: rollbackId }).where('id', '=', replacedId).execute());
  } finally {
    await store.close();
  }
}

export const minutes = (n: number) => n * 60_000;
export const days = (n: number) => n * 86_400_000;
/** A moment `ms` before now. */
export const ago = (ms: number) => new Date(Date.now() - ms);
