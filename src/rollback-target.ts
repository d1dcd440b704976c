import { findActive, findDeployment } from './db/deployments.js';
import type { Queryable } from './db/store.js';
import { toDeployment, type Deployment } from './deployment.js';
import { ConflictError, UsageError } from './errors.js';

/** A rollback: what runs now (and is replaced), and the recorded success to deploy again. */
export interface RollbackChoice {
  current: Deployment;
  target: Deployment;
}

/**
 * Chooses what a rollback deploys, only ever a recorded success, never "the revision before": with `to`, that
 * deployment (an id or key) or the newest success of that version; else the newest success before the current
 * one that was not itself rolled back and deploys something other than what runs now. The current one is the
 * newest success, as `status` shows it. A deployment still active refuses the rollback, as it refuses a deploy.
 */
export async function chooseRollback(q: Queryable, app: string, env: string, to: string | undefined): Promise<RollbackChoice> {
  const active = await findActive(q, app, env);
  if (active) {
    throw new ConflictError(`${app} in ${env} has an active deployment ${active.key} (${active.status}); finish it before rolling back`, 'active_conflict');
  }
  const currentRow = await successesOf(q, app, env).orderBy('id', 'desc').executeTakeFirst();
  if (!currentRow) throw new UsageError(`nothing to roll back: ${app} has no successful deployment in ${env}`, 'nothing_to_roll_back');
  const current = toDeployment(currentRow);
  const target = to === undefined ? await previousGood(q, current) : await chosen(q, current, to);
  return { current, target };
}

async function previousGood(q: Queryable, current: Deployment): Promise<Deployment> {
  const row = await successesOf(q, current.app, current.env)
    .where('id', '<', current.id)
    .where('rolled_back_by', 'is', null)
    .where((eb) =>
      eb.or([
        eb(eb.fn.coalesce('version', eb.val('')), '!=', current.version ?? ''),
        eb(eb.fn.coalesce('commit_sha', eb.val('')), '!=', current.commitSha ?? ''),
        eb(eb.fn.coalesce('image', eb.val('')), '!=', current.image ?? ''),
      ]),
    )
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) {
    throw new UsageError(
      `nothing to roll back to: no successful deployment of ${current.app} in ${current.env} before ${current.key} that was not rolled back and deploys something else; name one with --to`,
      'nothing_to_roll_back',
    );
  }
  return toDeployment(row);
}

/** `--to`: an id or key of this app and environment, else a version. */
async function chosen(q: Queryable, current: Deployment, to: string): Promise<Deployment> {
  const named = await findDeployment(q, to);
  if (named && named.app === current.app && named.env === current.env) {
    if (named.status !== 'success') throw new UsageError(`--to ${named.key} ended ${named.status}; only a successful deployment can be deployed again`, 'bad_value');
    if (named.id === current.id) throw new UsageError(`--to ${named.key} is what runs in ${current.env} now`, 'bad_value');
    return named;
  }
  const row = await successesOf(q, current.app, current.env)
    .where('version', '=', to)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new UsageError(`--to '${to}' names no successful deployment of ${current.app} in ${current.env} (as an id, a key or a version)`, 'bad_value');
  if (Number(row.id) === current.id) throw new UsageError(`--to '${to}': version ${to} is what runs in ${current.env} now`, 'bad_value');
  return toDeployment(row);
}

function successesOf(q: Queryable, app: string, env: string) {
  return q.selectFrom('deployments').selectAll().where('app', '=', app).where('env', '=', env).where('status', '=', 'success');
}
