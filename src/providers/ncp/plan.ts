import { UsageError } from '../../errors.js';
import type { DeployPlan } from '../provider.js';
import type { ProviderOptions } from '../select.js';

export async function ncpPlan(_options: ProviderOptions): Promise<DeployPlan> {
  throw new UsageError('--ncp-* is not available yet', 'unsupported');
}
