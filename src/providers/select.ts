import { UsageError } from '../errors.js';
import { commandPlan } from './command/plan.js';
import type { DeployPlan, ProviderOptions } from './provider.js';

/**
 * Chooses the provider from the options (at most one kind; a command may go with --k8s or --helm,
 * whose rollout or release it changes) and loads only that provider's module, so the Kubernetes client or axios load only when used.
 */
export async function planDeploy(options: ProviderOptions, argv: readonly string[], timeoutMs: number | undefined): Promise<DeployPlan> {
  const ncp = options.ncpProject !== undefined || options.ncpStage !== undefined || options.ncpScenario !== undefined || options.ncpEndpoint !== undefined;
  const http =
    options.statusUrl !== undefined || options.statusField !== undefined || options.successValues !== undefined || options.failureValues !== undefined || (options.header ?? []).length > 0;
  const kinds = [
    options.k8s !== undefined && '--k8s',
    options.helm !== undefined && '--helm',
    ncp && '--ncp-*',
    http && '--status-url',
    argv.length > 0 && options.k8s === undefined && options.helm === undefined && '-- COMMAND',
  ].filter((kind): kind is string => typeof kind === 'string');
  if (kinds.length > 1) throw new UsageError(`choose one provider: ${kinds.join(' and ')} cannot be combined`, 'provider_conflict');
  if (options.k8s !== undefined) return (await import('./kubernetes/plan.js')).kubernetesPlan(options, argv);
  if (options.helm !== undefined) return (await import('./helm/plan.js')).helmPlan(options, argv);
  if (ncp) return (await import('./ncp/plan.js')).ncpPlan(options);
  if (http) return (await import('./http/plan.js')).httpPlan(options);
  if (argv.length > 0) return commandPlan(argv, timeoutMs);
  return { provider: 'manual', initialStatus: 'running', source: 'cli' };
}
