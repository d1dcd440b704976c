import type { ImportedDeployment } from '../import/imported-deployment.js';
import { newDeploymentKey } from '../ids.js';
import { chunks } from './chunks.js';
import type { Queryable } from './store.js';

/** The idempotency key an imported record carries: its source row, so importing that row again adds nothing. */
export function importKey(sourceKey: string): string {
  return `import:${sourceKey}`;
}

/**
 * Writes the imported deployments that are not in the store yet, set-based: each keeps its source row's
 * identity as its idempotency key, and an insert that meets that key again does nothing. Each new record
 * gets one event saying where it came from; rollbacks are linked to what they replaced when the source says
 * so (the rollback's `rollback_of`, and, for a rollback that succeeded, the replaced one's `rolled_back_by`).
 * Returns how many records were added.
 */
export async function importDeployments(q: Queryable, tool: string, deployments: readonly ImportedDeployment[]): Promise<number> {
  const added: { id: number; deployment: ImportedDeployment }[] = [];
  const byKey = new Map(deployments.map((d) => [importKey(d.sourceKey), d]));
  for (const chunk of chunks(deployments, 24)) {
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
  await linkRollbacks(q, added.filter(({ deployment }) => deployment.rollbackOfSource !== null));
  return added.length;
}

/** Rollbacks are few, so each is linked on its own. */
async function linkRollbacks(q: Queryable, rollbacks: readonly { id: number; deployment: ImportedDeployment }[]): Promise<void> {
  for (const { id, deployment } of rollbacks) {
    const replaced = await q.selectFrom('deployments').select('id').where('idempotency_key', '=', importKey(deployment.rollbackOfSource!)).executeTakeFirst();
    if (!replaced) continue;
    await q.updateTable('deployments').set({ rollback_of: replaced.id }).where('id', '=', id).execute();
    if (deployment.status === 'success') {
      await q.updateTable('deployments').set({ rolled_back_by: id }).where('id', '=', replaced.id).where('rolled_back_by', 'is', null).execute();
    }
  }
}
