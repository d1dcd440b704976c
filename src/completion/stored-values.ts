import type { Queryable } from '../db/store.js';
import type { CompletionValueKind } from './kinds.js';

/** How many keys a completion offers: the newest, which are the ones people follow, show and roll back. */
const recentKeys = 50;

/** What a completion script offers for `--app`, `--env` and deployment ids: app names, environment names (sorted), or the newest keys. */
export async function listCompletionValues(q: Queryable, kind: CompletionValueKind): Promise<string[]> {
  if (kind === 'keys') {
    const rows = await q.selectFrom('deployments').select('key').orderBy('id', 'desc').limit(recentKeys).execute();
    return rows.map((row) => row.key);
  }
  const column = kind === 'apps' ? 'app' : 'env';
  const rows = await q.selectFrom('deployments').select(column).distinct().orderBy(column).execute();
  return rows.map((row) => (kind === 'apps' ? (row as { app: string }).app : (row as { env: string }).env));
}
