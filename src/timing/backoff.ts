/** How retries and polls spread out in time. */
export interface BackoffSettings {
  /** The first retry's wait; it doubles with each failure in a row. */
  baseMs: number;
  /** The longest wait backoff alone will choose (Retry-After may ask for more). */
  capMs: number;
  /** Each wait is spread by up to this fraction either way (0.1 = ±10%), so many followers never poll in step. */
  jitter: number;
}

/** `ms` spread by up to `jitter` either way. */
export function jittered(ms: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}

/**
 * The wait before retry number `attempt` (1 for the first): exponential from the base and capped, jittered,
 * at least what the service's Retry-After asked for, and never past the time that is left.
 */
export function retryDelayMs(
  attempt: number,
  settings: BackoffSettings,
  retryAfterMs: number | undefined,
  remainingMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(settings.capMs, settings.baseMs * 2 ** Math.min(attempt - 1, 30));
  const wait = Math.max(jittered(exponential, settings.jitter, random), retryAfterMs ?? 0);
  return Math.max(0, Math.min(wait, remainingMs));
}

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
