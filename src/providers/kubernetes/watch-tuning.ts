import { envMs } from '../../config/tuning-env.js';
import type { BackoffSettings } from '../../timing/backoff.js';

/** How a namespace watch lists its namespace, and guards itself against a dead or silent connection. */
export interface WatchTuning {
  /**
   * How many workloads one list request asks for: a namespace of thousands is listed a page at a time, as
   * client-go's pager does (500 a page), so no one answer holds them all.
   */
  listPageSize: number;
  /** A watch with no event (bookmarks count) for this long is presumed half-open and restarted. */
  idleMs: number;
  /** Asked of the API server, so a healthy quiet watch ends cleanly before the watchdog would restart it. */
  timeoutSeconds: number;
  /** Waits between restarts: from 1 s doubling to 30 s, spread so many followers never reconnect in step. */
  backoff: BackoffSettings;
}

const defaultIdleMs = 90_000;
const defaultBackoffMs = 1_000;
const defaultBackoffCapMs = 30_000;

/**
 * The defaults suit a real cluster; SHIPLOG_WATCH_IDLE_MS, SHIPLOG_WATCH_BACKOFF_MS and
 * SHIPLOG_WATCH_BACKOFF_CAP_MS shorten them (tests, the benchmark).
 */
export function watchTuning(env: NodeJS.ProcessEnv = process.env): WatchTuning {
  const idleMs = envMs(env, 'SHIPLOG_WATCH_IDLE_MS') ?? defaultIdleMs;
  const baseMs = envMs(env, 'SHIPLOG_WATCH_BACKOFF_MS') ?? defaultBackoffMs;
  return {
    listPageSize: 500,
    idleMs,
    timeoutSeconds: Math.max(1, Math.floor((idleMs * 2) / 3 / 1_000)),
    backoff: { baseMs, capMs: Math.max(baseMs, envMs(env, 'SHIPLOG_WATCH_BACKOFF_CAP_MS') ?? defaultBackoffCapMs), jitter: 0.2 },
  };
}
