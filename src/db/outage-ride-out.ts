import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs, type BackoffSettings } from '../timing/backoff.js';

/** How long a long-running follower keeps reconnecting to a store that went away (a PostgreSQL restart). */
export const storeOutageBoundMs = 60_000;

const reconnectBackoff: BackoffSettings = { baseMs: 250, capMs: 5_000, jitter: 0.2 };

/**
 * Retries work that failed because the store's connection was lost, with backoff, until the outage has lasted
 * `boundMs`; then the last failure stands. One outage is shared by every transaction in flight, so it is
 * announced once and bounded once, from its first failure.
 */
export class OutageRideOut {
  private lostAt: number | undefined;

  constructor(
    private readonly isConnectionLoss: (error: unknown) => boolean,
    private readonly say: (line: string) => void,
    private readonly location: string,
    private readonly boundMs = storeOutageBoundMs,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await work();
        if (this.lostAt !== undefined) {
          this.lostAt = undefined;
          this.say(`reconnected to the store ${this.location}`);
        }
        return result;
      } catch (error) {
        if (!this.isConnectionLoss(error)) throw error;
        const now = Date.now();
        if (this.lostAt === undefined) {
          this.lostAt = now;
          this.say(`lost the connection to the store ${this.location}; reconnecting for up to ${this.boundMs / 1000}s`);
        }
        const remaining = this.lostAt + this.boundMs - now;
        if (remaining <= 0) throw error;
        await sleep(retryDelayMs(attempt, reconnectBackoff, undefined, remaining));
      }
    }
  }
}
