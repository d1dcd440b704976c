import { UsageError } from '../../errors.js';
import type { Output } from '../../output.js';
import type { DeployPlan } from '../provider.js';
import type { ProviderOptions } from '../select.js';

export async function kubernetesPlan(_options: ProviderOptions, _argv: readonly string[], _out: Output): Promise<DeployPlan> {
  throw new UsageError('--k8s is not available yet', 'unsupported');
}
