import type { Deployment } from '../deployment/deployment.js';
import { toDeployment } from './deployment-rows.js';
import type { Queryable } from './store.js';

/** The newest success of the same app and environment recorded before `deployment`: the one its success replaces. */
export async function previousSuccess(q: Queryable, deployment: Pick<Deployment, 'id' | 'app' | 'env'>): Promise<Deployment | undefined> {
  const row = await q
    .selectFrom('deployments')
    .selectAll()
    .where('app', '=', deployment.app)
    .where('env', '=', deployment.env)
    .where('status', '=', 'success')
    .where('id', '<', deployment.id)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toDeployment(row) : undefined;
}
