import { ciMetadata } from '../ci/environment.js';
import { CiReport } from '../ci/report.js';
import { runDeployFlow, type DeploymentRequest } from '../deploy/flow.js';
import type { Deployment } from '../deployment/deployment.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { planRollback } from '../rollback/plan.js';
import { described } from '../rollback/rule.js';
import { chooseRollback } from '../rollback/target.js';
import { localTime } from '../terminal/format.js';
import type { Output } from '../terminal/output.js';
import { printable } from '../terminal/printable.js';
import { parseTimeLimit } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface RollbackOptions {
  app?: string;
  env?: string;
  to?: string;
  message?: string;
  wait?: boolean;
  timeout?: string;
  dryRun?: boolean;
  dotenv?: string;
  kubeconfig?: string;
  context?: string;
}

/** What `--dry-run` answers: the rollback that would be recorded, and nothing written. */
export interface RollbackPreview {
  dryRun: true;
  replacing: Deployment;
  rollbackTo: Deployment;
  /** Why `replacing` is taken to run now and `rollbackTo` is chosen (rollback/rule.ts). */
  reason: string;
  provider: string;
  target: Record<string, unknown> | null;
}

/**
 * Deploys again a recorded success as a new record (`isRollback`, `rollbackOf` the one it replaces) through
 * the flow `deploy` uses, so it is recorded, started, followed and printed the same way, with the same exit
 * codes. Once it succeeds, the replaced deployment gets `rolledBackBy` (db/transition.ts).
 */
export async function run(ctx: CommandContext, options: RollbackOptions, argv: string[]): Promise<ExitCodeValue> {
  const app = valid.requireName(options.app, '--app');
  const env = valid.requireName(options.env, '--env');
  const timeoutMs = options.timeout === undefined ? undefined : parseTimeLimit(options.timeout, '--timeout');
  const message = valid.optionalText(options.message, '--message');
  const to = valid.optionalIdentifier(options.to, '--to');
  const report = CiReport.from(options.dotenv);
  return withStore({ ...ctx, storeWaitMs: timeoutMs }, async (store) => {
    const { current, target, reason } = await store.read((tx) => chooseRollback(tx, app, env, to));
    const plan = await planRollback(target, argv, { wait: options.wait === true, timeoutMs, kube: { kubeconfig: options.kubeconfig, context: options.context } });
    if (options.dryRun) {
      const preview: RollbackPreview = { dryRun: true, replacing: current, rollbackTo: target, reason, provider: plan.provider, target: plan.target ?? null };
      ctx.out.result(preview, () => previewText(ctx.out, preview));
      return ExitCode.ok;
    }
    const ci = ciMetadata();
    const request: DeploymentRequest = {
      app,
      env,
      version: target.version ?? undefined,
      commitSha: target.commitSha ?? undefined,
      repo: target.repo ?? undefined,
      image: target.image ?? undefined,
      operator: ci.operator,
      message: message ?? `rollback of ${described(current)} to ${described(target)}`,
      ciRunUrl: ci.ciRunUrl,
      isRollback: true,
      rollbackOf: current.id,
    };
    return runDeployFlow(ctx, store, request, plan, { timeoutMs, wait: options.wait === true }, report);
  });
}

function previewText(out: Output, preview: RollbackPreview): string {
  const line = (d: Deployment) => `${printable(described(d))}: ${out.status(d.status)} ${localTime(d.completedAt ?? d.createdAt)}${d.operator ? ` by ${printable(d.operator)}` : ''}`;
  return [
    `would roll back ${printable(preview.replacing.app)} in ${printable(preview.replacing.env)}`,
    `  from ${line(preview.replacing)}`,
    `  to   ${line(preview.rollbackTo)}`,
    `  why: ${printable(preview.reason)}`,
    `  through ${preview.provider}${preview.target ? ` ${JSON.stringify(preview.target)}` : ''}`,
    'nothing was changed (--dry-run)',
  ].join('\n');
}
