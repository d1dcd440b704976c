import type { Deployment } from '../deployment/deployment.js';
import { UsageError } from '../errors.js';
import type { StatusProbe } from './status-probe.js';

/** The providers whose deployments `poll` follows. */
export const polledProviders = ['ncp', 'http'] as const;

/**
 * The probe for a recorded NCP or HTTP deployment, loading only that provider's module. Throws before any
 * request when this environment cannot poll it: credentials or a header's variable missing (exit 5).
 */
export async function probeFor(deployment: Deployment): Promise<StatusProbe> {
  requirePolled(deployment);
  if (deployment.provider === 'ncp') return (await import('../providers/ncp/probe.js')).ncpProbe(deployment.key, deployment.target);
  return (await import('../providers/http/probe.js')).httpProbe(deployment.key, deployment.target);
}

/** Exit 2 unless the deployment is one `poll` follows. */
export function requirePolled(deployment: Pick<Deployment, 'key' | 'provider'>): void {
  if ((polledProviders as readonly string[]).includes(deployment.provider)) return;
  const hint = deployment.provider === 'kubernetes' ? "; follow it with 'shiplog track'" : deployment.provider === 'command' || deployment.provider === 'manual' ? "; close it with 'shiplog finish'" : '';
  throw new UsageError(`${deployment.key} is a ${deployment.provider} deployment, and poll follows NCP and HTTP ones${hint}`, 'wrong_provider');
}
