import * as valid from '../deployment/validate.js';
import { UsageError } from '../errors.js';
import type { BackoffSettings } from '../timing/backoff.js';
import { parseDuration, parseTimeLimit } from '../timing/duration.js';

/** How a polled deployment is polled: the command-line options and the SHIPLOG_* tuning variables together. */
export interface PollSettings {
  intervalMs: number;
  /** Requests in flight at most, across every deployment of the run. */
  concurrency: number;
  /** Retries start at the interval and double up to `capMs`. */
  backoff: BackoffSettings;
  /** One request may take this long (capped to the time left); a service that hangs is retried. */
  requestTimeoutMs: number;
}

export const defaultIntervalMs = 10_000;
export const defaultConcurrency = 8;
const defaultBackoffCapMs = 120_000;
const defaultRequestTimeoutMs = 30_000;
const defaultJitter = 0.1;
/** Below this a poll loop is a load test, not a follower. */
const minIntervalMs = 100;

export interface PollOptions {
  interval?: string;
  concurrency?: string;
}

/**
 * Reads `--interval` and `--concurrency`, and the tuning variables: SHIPLOG_POLL_BACKOFF_CAP (longest backoff,
 * default 2m), SHIPLOG_POLL_JITTER (spread of each wait, 0 to 1, default 0.1), SHIPLOG_REQUEST_TIMEOUT
 * (default 30s).
 */
export function pollSettings(options: PollOptions, env: NodeJS.ProcessEnv = process.env): PollSettings {
  const intervalMs = options.interval === undefined ? defaultIntervalMs : parseDuration(options.interval, '--interval');
  if (intervalMs < minIntervalMs) throw new UsageError(`--interval: '${options.interval}' is too short; poll at most every ${minIntervalMs}ms`, 'bad_value');
  return {
    intervalMs,
    concurrency: valid.positiveInteger(options.concurrency, '--concurrency', 1_000) ?? defaultConcurrency,
    backoff: {
      baseMs: intervalMs,
      capMs: Math.max(intervalMs, envDuration(env, 'SHIPLOG_POLL_BACKOFF_CAP') ?? defaultBackoffCapMs),
      jitter: envFraction(env, 'SHIPLOG_POLL_JITTER') ?? defaultJitter,
    },
    requestTimeoutMs: env.SHIPLOG_REQUEST_TIMEOUT ? parseTimeLimit(env.SHIPLOG_REQUEST_TIMEOUT, 'SHIPLOG_REQUEST_TIMEOUT') : defaultRequestTimeoutMs,
  };
}

function envDuration(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  return text ? parseDuration(text, name) : undefined;
}

function envFraction(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new UsageError(`${name}: '${text}' is not a fraction from 0 to 1`, 'bad_value');
  return value;
}
