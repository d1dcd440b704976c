import type { Queryable } from '../../db/store.js';
import { statuses, type Status } from '../../deployment/lifecycle.js';

/** One app and environment's whole history, counted: what the per-target metrics report. */
export interface TargetCounts {
  app: string;
  env: string;
  byStatus: Record<Status, number>;
  /** When its last success completed, epoch ms; null before any. */
  lastSuccessMs: number | null;
}

/** Counted in the database, one GROUP BY, so only a few rows per app and environment leave it. */
export async function countByTarget(q: Queryable, filter: { app?: string; env?: string }): Promise<TargetCounts[]> {
  let query = q
    .selectFrom('deployments')
    .select(({ fn }) => ['app', 'env', 'status', fn.countAll<number | string>().as('count'), fn.max('completed_at').as('last_completed')])
    .groupBy(['app', 'env', 'status']);
  if (filter.app !== undefined) query = query.where('app', '=', filter.app);
  if (filter.env !== undefined) query = query.where('env', '=', filter.env);
  const targets = new Map<string, TargetCounts>();
  for (const row of await query.execute()) {
    const name = `${row.app}\u0000${row.env}`;
    let target = targets.get(name);
    if (!target) {
      target = { app: row.app, env: row.env, byStatus: Object.fromEntries(statuses.map((s) => [s, 0])) as Record<Status, number>, lastSuccessMs: null };
      targets.set(name, target);
    }
    target.byStatus[row.status] = Number(row.count);
    if (row.status === 'success' && row.last_completed !== null) target.lastSuccessMs = Date.parse(row.last_completed);
  }
  const byCodePoint = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...targets.values()].sort((a, b) => byCodePoint(a.app, b.app) || byCodePoint(a.env, b.env));
}
