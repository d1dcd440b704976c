import { newDeploymentKey } from '../deployment/ids.js';
import type { ImportedDeployment } from '../deployment/imported.js';
import type { Status } from '../deployment/lifecycle.js';
import { chunks } from './chunks.js';
import { findByIdempotencyKeys } from './deployments.js';
import type { Queryable } from './store.js';
import { applyTransition } from './transition.js';

/** What an import changed: records added, and records imported before as `stale` that the source has since settled. */
export interface ImportOutcome {
  imported: number;
  settled: number;
}

/** The idempotency key an imported record carries: its source row, so importing that row again adds nothing. */
export function importKey(sourceKey: string): string {
  return `import:${sourceKey}`;
}

/**
 * Writes the imported deployments that are not in the store yet, set-based: each keeps its source row's identity
 * as its idempotency key, and a row found by that key (on its record, or on the record it was merged into) is
 * not written again. Each new record gets one `import` event; rollbacks are linked to what they replaced when
 * the source says so. A record imported before as `stale` whose source row is now final takes that status
 * (compare-and-set, with an `import` event); nothing else imported before is touched.
 */
export async function importDeployments(q: Queryable, tool: string, deployments: readonly ImportedDeployment[]): Promise<ImportOutcome> {
  const known = await findByIdempotencyKeys(q, deployments.map((d) => importKey(d.sourceKey)));
  const added: { id: number; deployment: ImportedDeployment }[] = [];
  const fresh = deployments.filter((d) => !known.has(importKey(d.sourceKey)));
  const byKey = new Map(fresh.map((d) => [importKey(d.sourceKey), d]));
  for (const chunk of chunks(fresh, 24)) {
    const rows = await q
      .insertInto('deployments')
      .values(
        chunk.map((d) => ({
          key: newDeploymentKey(Date.parse(d.createdAt)),
          app: d.app,
          env: d.env,
          version: d.version,
          commit_sha: d.commitSha,
          repo: d.repo,
          image: d.image,
          provider: d.provider,
          target: d.target ? JSON.stringify(d.target) : null,
          status: d.status,
          is_rollback: d.isRollback ? 1 : 0,
          rollback_of: null,
          rolled_back_by: null,
          operator: d.operator,
          message: d.message,
          ci_run_url: null,
          idempotency_key: importKey(d.sourceKey),
          created_at: d.createdAt,
          started_at: d.startedAt,
          completed_at: d.completedAt,
          error: d.error,
          lease_owner: null,
          heartbeat_at: null,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').where('idempotency_key', 'is not', null).doNothing())
      .returning(['id', 'idempotency_key'])
      .execute();
    for (const row of rows) added.push({ id: Number(row.id), deployment: byKey.get(row.idempotency_key!)! });
  }
  for (const chunk of chunks(added, 6)) {
    await q
      .insertInto('deployment_events')
      .values(
        chunk.map(({ id, deployment }) => ({
          deployment_id: id,
          at: deployment.createdAt,
          from_status: null,
          to_status: deployment.status,
          source: 'import' as const,
          detail: `imported from ${tool} (${deployment.sourceKey})`,
        })),
      )
      .execute();
  }
  const later = added.flatMap(({ id, deployment }) => (deployment.later ?? []).map((note) => ({ id, status: deployment.status, ...note })));
  for (const chunk of chunks(later, 6)) {
    await q
      .insertInto('deployment_events')
      .values(chunk.map((note) => ({ deployment_id: note.id, at: note.at, from_status: note.status, to_status: note.status, source: 'import' as const, detail: note.detail })))
      .execute();
  }
  const settled = await settleStale(q, tool, deployments, known);
  await linkRollbacks(q, [...added, ...settled]);
  return { imported: added.length, settled: settled.length };
}

/**
 * Links the records just written or settled. Rollbacks are few, so each link is written on its own: a rollback's
 * `rollback_of`, and the replaced record's `rolled_back_by` when the rollback succeeded or the source marks the
 * replaced one rolled back.
 */
async function linkRollbacks(q: Queryable, records: readonly { id: number; deployment: ImportedDeployment }[]): Promise<void> {
  const linked = records.filter(({ deployment }) => deployment.rollbackOfSource !== null || deployment.rolledBackBySource !== null);
  if (linked.length === 0) return;
  const sources = linked.flatMap(({ deployment }) => [deployment.rollbackOfSource, deployment.rolledBackBySource]).filter((key) => key !== null);
  const found = await findByIdempotencyKeys(q, sources.map(importKey));
  const idOf = (sourceKey: string | null) => (sourceKey === null ? undefined : found.get(importKey(sourceKey))?.id);
  const markRolledBack = (id: number, by: number) =>
    q.updateTable('deployments').set({ rolled_back_by: by }).where('id', '=', id).where('rolled_back_by', 'is', null).execute();
  for (const { id, deployment } of linked) {
    const replaced = idOf(deployment.rollbackOfSource);
    if (replaced !== undefined) {
      await q.updateTable('deployments').set({ rollback_of: replaced }).where('id', '=', id).execute();
      if (deployment.status === 'success') await markRolledBack(replaced, id);
    }
    const undoneBy = idOf(deployment.rolledBackBySource);
    if (undoneBy !== undefined) await markRolledBack(id, undoneBy);
  }
}

/** Compare-and-set from `stale`, one record at a time: a source settles few runs between two imports. */
async function settleStale(
  q: Queryable,
  tool: string,
  deployments: readonly ImportedDeployment[],
  known: ReadonlyMap<string, { id: number; status: Status }>,
): Promise<{ id: number; deployment: ImportedDeployment }[]> {
  const settled: { id: number; deployment: ImportedDeployment }[] = [];
  for (const d of deployments) {
    const record = known.get(importKey(d.sourceKey));
    if (record?.status !== 'stale' || d.status === 'stale') continue;
    const applied = await applyTransition(q, {
      id: record.id,
      from: 'stale',
      to: d.status,
      source: 'import',
      detail: `${tool} now records it ${d.status} (${d.sourceKey})`,
      set: { error: d.error },
      at: d.completedAt ?? new Date().toISOString(),
    });
    if (applied) settled.push({ id: record.id, deployment: d });
  }
  return settled;
}
