import { UsageError } from '../../errors.js';
import type { DeployPlan } from '../provider.js';
import type { ProviderOptions } from '../select.js';

export async function httpPlan(_options: ProviderOptions): Promise<DeployPlan> {
  throw new UsageError('--status-url is not available yet', 'unsupported');
}
