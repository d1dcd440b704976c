import { UsageError, type ExitCodeValue } from '../errors.js';
import type { CommandContext } from './context.js';

export async function run(_ctx: CommandContext, ..._args: unknown[]): Promise<ExitCodeValue> {
  throw new UsageError("'poll' is not available yet", 'unsupported');
}
