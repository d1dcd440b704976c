import type { CiReport } from '../ci/report.js';
import { getDeployment } from '../db/deployments.js';
import type { Store } from '../db/store.js';
import type { Deployment, ProviderName } from '../deployment/deployment.js';
import { isFinal, type Status } from '../deployment/lifecycle.js';
import { EnvironmentError, ExitCode, exitCodeForStatus, ShiplogError, type ExitCodeValue } from '../errors.js';
import { requireGithubMirrorable, type IntegrationOptions } from '../integrations/settings.js';
import { FailedAfterApplying, StartUnconfirmed, type DeployPlan, type FollowedDeployment } from '../providers/provider.js';
import { outcomeLine } from '../terminal/format.js';
import type { Output } from '../terminal/output.js';
import { interruptedBy, interruptible } from '../tracking/interrupt.js';
import { Tracker } from '../tracking/tracker.js';
import { recordDeployment, type NewDeployment } from './record.js';

/** What the command line says about a deployment; the plan adds the provider's part. */
export type DeploymentRequest = Omit<NewDeployment, 'provider' | 'target' | 'status' | 'source' | 'leaseOwner'>;

/** How the command line asked for the deploy to be carried out. */
export interface DeployFlowOptions {
  /** --timeout: bounds the start and the following together. */
  timeoutMs: number | undefined;
  /** --wait: the deploy follows the deployment to its end and prints the outcome line instead of the key. */
  wait: boolean;
}

/** What a deploy takes from the command that runs it: where it speaks, and who hears of its status changes. */
export interface DeployContext {
  out: Output;
  integrations?: IntegrationOptions;
}

/** One deploy in progress: what every step of it needs. */
interface Run {
  ctx: DeployContext;
  store: Store;
  plan: DeployPlan;
  tracker: Tracker;
  /** Aborts on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Epoch ms from --timeout that bounds the start and the following together. */
  deadline: number | undefined;
  idempotencyKey: string | undefined;
  /** What the CI running shiplog is told about the deployment once it is printed. */
  report: CiReport;
  wait: boolean;
}

/**
 * The one way a deployment is carried out, for `deploy` and `rollback` alike: record it (idempotency and the
 * one-active rule included) under this process's lease, start it through its plan, settle it running, follow
 * it when the plan follows, and print it by the stdout contract (see show). Returns the contract's exit code for
 * how it ended. Signals are caught from before the record is written, so one that comes before the deployment
 * has started ends the record `cancelled` instead of leaving it `pending`; a process killed outright leaves a
 * lease that expires, which `cleanup --stale` and `doctor` find.
 */
export async function runDeployFlow(
  ctx: DeployContext,
  store: Store,
  request: DeploymentRequest,
  plan: DeployPlan,
  { timeoutMs, wait }: DeployFlowOptions,
  report: CiReport,
): Promise<ExitCodeValue> {
  if (ctx.integrations?.github) requireGithubMirrorable(request);
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const tracker = new Tracker(store, plan.source);
  // A command dies with shiplog (its forwarder kills it on the same signal), so its record ends with the process;
  // any other provider's deployment, once started, goes on without shiplog and stays running for `track` or `poll`.
  const endsWithShiplog: Status[] = plan.provider === 'command' ? ['pending', 'running'] : ['pending'];
  const lastWords = (signal: NodeJS.Signals) => {
    tracker.releaseNow({ statuses: endsWithShiplog, detail: `interrupted again by ${signal}: shiplog stopped at once` });
  };
  try {
    return await interruptible(async (signal) => {
      const run: Run = { ctx, store, plan, tracker, signal, deadline, idempotencyKey: request.idempotencyKey, wait, report };
      const recorded = await recordDeployment(store, {
        ...request,
        provider: plan.provider,
        target: plan.target,
        status: plan.initialStatus,
        source: 'cli',
        // Nobody follows a record-only deployment: CI closes it with `finish`.
        leaseOwner: plan.provider === 'manual' ? undefined : tracker.owner,
      });
      if (!recorded.created) return answerAgain(run, recorded.existing);
      const [id, key] = recorded.ref;
      if (plan.provider === 'manual') {
        ctx.out.progress(`recorded ${key}: ${request.app} ${request.version ?? ''} to ${request.env}, running; close it with 'shiplog finish ${key} --status success'`);
        return show(run, id, ExitCode.ok);
      }
      await tracker.follow([recorded.ref]);
      const status = await startAndFollow(run, { id, key, app: request.app, env: request.env, target: plan.target ?? null });
      // Without --wait a deploy has done its part once the deployment runs; `poll` or `track` reports the outcome.
      const started = status === 'running' && !plan.follow;
      return show(run, id, started ? ExitCode.ok : exitCodeForStatus(status));
    }, lastWords);
  } finally {
    await tracker.release();
  }
}

async function startAndFollow(run: Run, deployment: FollowedDeployment): Promise<Status> {
  const { plan, tracker, signal } = run;
  let status: Status = plan.initialStatus;
  if (plan.start) {
    if (signal.aborted) return cancelUnstarted(run, deployment, 'before it was started');
    try {
      const learned = await plan.start(deployment, run.ctx.out, { signal, deadline: run.deadline });
      status = await tracker.settle(deployment.id, { to: 'running', target: learned, detail: 'started' });
      deployment.target = { ...deployment.target, ...learned };
    } catch (error) {
      if (signal.aborted) return cancelUnstarted(run, deployment, 'while it was being started; its provider may have started it anyway, so check there before deploying again');
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof FailedAfterApplying) {
        await tracker.settle(deployment.id, { to: 'running', detail: 'started: its command ran' });
        await tracker.settle(deployment.id, { to: 'failed', error: message, detail: 'its command failed' });
        return 'failed';
      }
      if (error instanceof StartUnconfirmed) {
        await tracker.settle(deployment.id, { to: 'stale', error: message, detail: 'start unconfirmed: it may have started' });
        // Past --timeout this is the time limit's answer (exit 3); before it, the service's failure (exit 5).
        if (run.deadline !== undefined && Date.now() >= run.deadline) return 'stale';
        throw error;
      }
      await tracker.settle(deployment.id, { to: 'failed', error: message, detail: 'could not start' });
      if (error instanceof ShiplogError && error.exitCode !== ExitCode.failed) throw error;
      return 'failed';
    }
  }
  if (status !== 'running' || !plan.follow) return status;
  // A start that could not be stopped half-way (a Kubernetes patch) ran to its end; the first signal still ends the
  // wait. A command is the exception: its follow is how it ends, and the signal was forwarded to it.
  if (signal.aborted && plan.provider !== 'command') {
    run.ctx.out.progress(`${interruptedBy(signal)} came while ${deployment.key} was being started: it stays running; resume with ${resumeHint(run, deployment.key, plan.provider)}`);
    return status;
  }
  return follow(run, deployment);
}

/** shiplog itself was stopped before the deployment was seen to start: it ends `cancelled`, and says so. */
async function cancelUnstarted(run: Run, deployment: FollowedDeployment, when: string): Promise<Status> {
  const why = `interrupted by ${interruptedBy(run.signal)} ${when}`;
  const status = await run.tracker.settle(deployment.id, { to: 'cancelled', detail: why, error: why });
  run.ctx.out.progress(`${deployment.key} ${status}: ${why}`);
  return status;
}

/**
 * Follows a started deployment through its plan. When its service or cluster cannot be used (credentials
 * refused, unreachable), the record stays as it is, and the message says how to pick it up again.
 */
async function follow(run: Run, deployment: FollowedDeployment): Promise<Status> {
  try {
    return await run.plan.follow!(run.tracker, deployment, { out: run.ctx.out, deadline: run.deadline, signal: run.signal });
  } catch (error) {
    const resume = resumeHint(run, deployment.key, run.plan.provider);
    if (!(error instanceof EnvironmentError) || resume === undefined) throw error;
    const status = run.tracker.get(deployment.id)?.status ?? 'running';
    throw new EnvironmentError(`${error.message}; ${deployment.key} stays ${status}: once that is fixed, resume with ${resume}`, error.code, { cause: error });
  }
}

/**
 * The key was used before, so nothing new starts. A deployment that ended answers with its outcome's exit code,
 * so a retried CI step never goes green on an earlier failure. One still running is followed again when the
 * plan can follow it from its record alone and no live follower holds it: a retry picks up where a dead
 * follower stopped. A command cannot be followed that way: only the process that ran it saw how it ended.
 */
async function answerAgain(run: Run, existing: Deployment): Promise<ExitCodeValue> {
  const { ctx, plan } = run;
  const said = `${existing.key} was already recorded with key '${run.idempotencyKey}'`;
  const resumable = existing.status === 'running' && plan.follow !== undefined && plan.provider !== 'command';
  if (resumable) {
    const [claimed] = await run.tracker.follow([[existing.id, existing.key]]);
    if (claimed) {
      ctx.out.progress(`${said} and is still running: following it again`);
      return show(run, existing.id, exitCodeForStatus(await follow(run, claimed)));
    }
  }
  ctx.out.progress(`${said}; nothing new was started: ${earlierState(run, existing)}`);
  // A deploy that does not wait has done its part once the deployment runs.
  const exitCode = existing.status === 'running' && plan.follow === undefined ? ExitCode.ok : exitCodeForStatus(existing.status);
  return show(run, existing.id, exitCode);
}

/** Where the earlier attempt stands, and what to do about it, for a deploy that met its key again. */
function earlierState(run: Run, existing: Deployment): string {
  const { key, status, provider } = existing;
  if (status === 'success') return 'it ended success';
  if (isFinal(status)) return `it ended ${status}, and that is the earlier attempt's outcome; deploy again with a new --key`;
  const resume = followCommand(key, provider);
  if (status === 'pending') return "it was never seen to start: the shiplog that recorded it is still starting it, or died; if it died, 'shiplog cleanup --stale' settles it";
  if (status !== 'running') return `it was left ${status}${resume ? `; follow it with ${resume}` : ''}`;
  if (run.plan.follow === undefined) return `it is running${resume ? `; follow it with ${resume}` : ''}`;
  if (provider === 'command') return "it is running a command under another shiplog, the only one that can see how it ends; if that shiplog is gone, 'shiplog cleanup --stale' settles it";
  return 'it is running and another shiplog still follows it';
}

/** How a deployment left running by a deploy that waits is picked up again: its follow command, or this deploy repeated with its key. */
function resumeHint(run: Run, key: string, provider: ProviderName): string | undefined {
  const command = followCommand(key, provider);
  if (command === undefined || run.idempotencyKey === undefined) return command;
  return `${command} or this deploy again with --key '${run.idempotencyKey}'`;
}

/** The command that follows a deployment of this provider to its end; none for a command or record-only one. */
function followCommand(key: string, provider: ProviderName): string | undefined {
  if (provider === 'kubernetes' || provider === 'helm') return `'shiplog track ${key}'`;
  if (provider === 'ncp' || provider === 'http') return `'shiplog poll ${key}'`;
  return undefined;
}

/**
 * Prints the record as it is now, by the stdout contract: the record with --json; the outcome line when the deploy
 * waited; else the key alone, whatever the provider, so `KEY=$(shiplog deploy …)` captures it for a later `track`,
 * `poll` or `finish`. Who reads the terminal then gets the outcome line on stderr, with what follows it up
 * (a record-only deploy has said so as it recorded).
 */
async function show(run: Run, id: number, exitCode: ExitCodeValue): Promise<ExitCodeValue> {
  const { ctx, store, report } = run;
  const deployment = await store.read((tx) => getDeployment(tx, String(id)));
  const waited = run.wait && deployment.provider !== 'manual';
  if (!waited && !ctx.out.json && deployment.provider !== 'manual') {
    const resume = deployment.status === 'running' ? followCommand(deployment.key, deployment.provider) : undefined;
    ctx.out.progress(`${outcomeLine(ctx.out, deployment)}${resume ? `; follow it with ${resume}` : ''}`);
  }
  ctx.out.result(deployment, () => (waited ? outcomeLine(ctx.out, deployment) : deployment.key));
  report.write(ctx.out, [deployment]);
  return exitCode;
}
