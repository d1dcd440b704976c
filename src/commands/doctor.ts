import type { Check } from '../doctor/check.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { Output } from '../terminal/output.js';
import { printable } from '../terminal/printable.js';
import type { CommandContext } from './context.js';

export interface DoctorOptions {
  fix?: boolean;
  kubeconfig?: string;
  context?: string;
  ncpEndpoint?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

/**
 * Checks the store, and Kubernetes (with Helm's releases held pending) and NCP where this environment sets them up. Every check is reported,
 * the failing ones included; the exit code is 0 with no `fail` line, else 5 (environment), since every
 * check is about the environment shiplog runs in. `--fix` applies only what is safe: migrations and WAL.
 */
export async function run(ctx: CommandContext, options: DoctorOptions): Promise<ExitCodeValue> {
  const fix = options.fix === true;
  const checks = [...(await (await import('../doctor/store-checks.js')).checkStore(ctx.db, fix))];
  const kubernetes = await import('../doctor/kubernetes-check.js');
  if (kubernetes.kubernetesConfigured(process.env, options)) {
    const cluster = await kubernetes.checkKubernetes(process.env, options);
    checks.push(...cluster);
    // Helm's releases are read only through an API server that answered.
    if (cluster.some((check) => check.check === 'kubernetes api' && check.status === 'ok')) checks.push(...(await (await import('../doctor/helm-check.js')).checkHelmReleases(process.env, options)));
  }
  const ncp = await import('../doctor/ncp-check.js');
  if (ncp.ncpConfigured(process.env, options.ncpEndpoint)) checks.push(...(await ncp.checkNcp(process.env, options.ncpEndpoint)));
  const report: DoctorReport = { ok: checks.every((check) => check.status !== 'fail'), checks };
  ctx.out.result(report, () => reportText(ctx.out, report));
  return report.ok ? ExitCode.ok : ExitCode.environment;
}

function reportText(out: Output, report: DoctorReport): string {
  const paint = { ok: out.paint.green, warn: out.paint.yellow, fail: out.paint.red };
  const width = Math.max(...report.checks.map((check) => check.check.length));
  return report.checks
    .map((check) => `${paint[check.status](check.status.padEnd(4))}  ${check.check.padEnd(width)}  ${printable(check.message)}${check.fixed ? ' (fixed)' : ''}`)
    .join('\n');
}
