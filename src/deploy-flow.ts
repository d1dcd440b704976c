import type { CommandContext } from './commands/context.js';
import { getDeployment } from './db/deployments.js';
import type { Store } from './db/store.js';
import { ExitCode, exitCodeForStatus, ShiplogError, type ExitCodeValue } from './errors.js';
import type { Status } from './lifecycle.js';
import type { DeployPlan } from './providers/provider.js';
import { recordDeployment, type NewDeployment } from './record.js';
import { Tracker } from './tracker.js';
import { outcomeLine } from './format.js';

/** What the command line says about a deployment; the plan adds the provider's part. */
export type DeploymentRequest = Omit<NewDeployment, 'provider' | 'target' | 'status' | 'source'>;

/**
 * The one way a deployment is carried out, for `deploy` and `rollback` alike: record it (idempotency and the
 * one-active rule included), claim it, start it through its plan, settle it running, follow it when the plan
 * follows, and print the record as it ends. Returns the contract's exit code for how it ended.
 */
export async function runDeployFlow(
  ctx: CommandContext,
  store: Store,
  request: DeploymentRequest,
  plan: DeployPlan,
  timeoutMs: number | undefined,
): Promise<ExitCodeValue> {
  const recorded = await recordDeployment(store, {
    ...request,
    provider: plan.provider,
    target: plan.target,
    status: plan.initialStatus,
    source: 'cli',
  });
  if (!recorded.created) {
    ctx.out.progress(`${recorded.existing.key} was already recorded with key '${request.idempotencyKey}'; nothing new was started`);
    return show(ctx, store, recorded.ref[0], ExitCode.ok);
  }
  const [id, key] = recorded.ref;
  const deployment = { id, key, app: request.app, env: request.env, target: plan.target ?? null };
  if (plan.provider === 'manual') {
    ctx.out.progress(`recorded ${key}: ${request.app} ${request.version ?? ''} to ${request.env}, running; close it with 'shiplog finish ${key} --status success'`);
    return show(ctx, store, id, ExitCode.ok);
  }
  const tracker = new Tracker(store, plan.source);
  try {
    await tracker.follow([recorded.ref]);
    const status = await startAndFollow(plan, tracker, deployment, ctx, timeoutMs);
    // Without --wait a deploy has done its part once the deployment runs; `poll` or `track` reports the outcome.
    const started = status === 'running' && !plan.follow;
    return show(ctx, store, id, started ? ExitCode.ok : exitCodeForStatus(status));
  } finally {
    await tracker.release();
  }
}

async function startAndFollow(
  plan: DeployPlan,
  tracker: Tracker,
  deployment: { id: number; key: string; app: string; env: string; target: Record<string, unknown> | null },
  ctx: CommandContext,
  timeoutMs: number | undefined,
): Promise<Status> {
  let status: Status = plan.initialStatus;
  if (plan.start) {
    try {
      const learned = await plan.start(deployment, ctx.out);
      status = await tracker.settle(deployment.id, { to: 'running', target: learned, detail: 'started' });
      deployment.target = { ...deployment.target, ...learned };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await tracker.settle(deployment.id, { to: 'failed', error: message, detail: 'could not start' });
      if (error instanceof ShiplogError && error.exitCode !== ExitCode.failed) throw error;
      return 'failed';
    }
  }
  if (status !== 'running' || !plan.follow) return status;
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  return plan.follow(tracker, deployment, { out: ctx.out, deadline });
}

/** Prints the record as it is now: the key alone for a record-only deploy (so scripts can capture it), else a summary line. */
async function show(ctx: CommandContext, store: Store, id: number, exitCode: ExitCodeValue): Promise<ExitCodeValue> {
  const deployment = await store.read((tx) => getDeployment(tx, String(id)));
  ctx.out.result(deployment, () => (deployment.provider === 'manual' ? deployment.key : outcomeLine(ctx.out, deployment)));
  return exitCode;
}

