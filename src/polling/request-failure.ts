/**
 * A request that failed in a way that may pass: a timeout, a connection error, a 5xx or 429, an answer that
 * could not be read. Retried with backoff and recorded as an event, never turned into an outcome. Its reason
 * never carries a header or a body, so no secret can travel in it.
 */
export class TransientFailure extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
    this.name = 'TransientFailure';
  }
}
