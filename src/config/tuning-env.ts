import { UsageError } from '../errors.js';

/**
 * A duration in milliseconds from a SHIPLOG_* tuning variable; undefined when unset, exit 2 when not a positive
 * whole number. Zero or a typo would otherwise become a timer firing every millisecond, or a lease that is
 * always expired.
 */
export function envMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${name}: '${text}' is not a whole number of milliseconds`, 'bad_value');
  return Number(text);
}
