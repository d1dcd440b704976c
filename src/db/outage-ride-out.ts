import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs, type BackoffSettings } from '../timing/backoff.js';

/** How long a long-running follower keeps reconnecting to a store that went away (a PostgreSQL restart). */
export const storeOutageBoundMs = 60_000;

/**
 * How long a command waits for a connection by default when the store refuses one for capacity (PostgreSQL's
 * max_connections, PgBouncer's max_client_conn): PgBouncer's own default for a client queued for a server
 * connection (query_wait_timeout), so shiplog is as patient directly as behind PgBouncer. `--timeout` sets it
 * where a command has one.
 */
export const storeCapacityWaitMs = 120_000;

/** What one kind of outage is, how long it is waited out, and what the user reads meanwhile. */
export interface OutagePolicy {
  /** The failures of this kind: each left the work undone or safe to repeat whole. */
  matches(error: unknown): boolean;
  boundMs: number;
  backoff: BackoffSettings;
  /** The line said once as the outage starts, with its first failure. */
  starting(boundMs: number, error: unknown): string;
  /** The line said when work succeeds again after it, if any. */
  ended?: string;
}

/** A lost connection (a restart): followers reconnect quickly, then less often. */
export function connectionLossPolicy(isConnectionLoss: (error: unknown) => boolean, location: string): OutagePolicy {
  return {
    matches: isConnectionLoss,
    boundMs: storeOutageBoundMs,
    backoff: { baseMs: 250, capMs: 5_000, jitter: 0.2 },
    starting: (boundMs) => `lost the connection to the store ${location}; reconnecting for up to ${boundMs / 1000}s`,
    ended: `reconnected to the store ${location}`,
  };
}

/**
 * A connection refused for capacity. Hundreds of runners refused at once must not come back in step, so the
 * waits spread by half either way; none grows past 3 s, so a freed slot is taken soon.
 */
export function capacityPolicy(isCapacityRefusal: (error: unknown) => boolean, location: string, boundMs: number): OutagePolicy {
  return {
    matches: isCapacityRefusal,
    boundMs,
    backoff: { baseMs: 200, capMs: 3_000, jitter: 0.5 },
    starting: (bound, error) => `the store ${location} takes no new connection now (${error instanceof Error ? error.message : String(error)}); waiting up to ${bound / 1000}s for one`,
  };
}

/**
 * Retries work that failed with an outage of one kind, with backoff, until the outage has lasted its bound; then
 * the last failure stands. One outage is shared by every transaction in flight, so it is announced once and
 * bounded once, from its first failure.
 */
export class OutageRideOut {
  private startedAt: number | undefined;

  constructor(
    private readonly policy: OutagePolicy,
    private readonly say: (line: string) => void,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await work();
        if (this.startedAt !== undefined) {
          this.startedAt = undefined;
          if (this.policy.ended) this.say(this.policy.ended);
        }
        return result;
      } catch (error) {
        if (!this.policy.matches(error)) throw error;
        const now = Date.now();
        if (this.startedAt === undefined) {
          this.startedAt = now;
          this.say(this.policy.starting(this.policy.boundMs, error));
        }
        const remaining = this.startedAt + this.policy.boundMs - now;
        if (remaining <= 0) throw error;
        await sleep(retryDelayMs(attempt, this.policy.backoff, undefined, remaining));
      }
    }
  }
}
