import { parseRetryAfter } from '../timing/backoff.js';

/** A deploy service's HTTP answer, before anything is made of its body. */
export interface HttpAnswer {
  status: number;
  body: string;
  /** The Retry-After header, when the service sent one. */
  retryAfter: string | undefined;
  /** The Location header of a redirect, which is handed back, not followed. */
  location?: string;
}

/**
 * What an answer's HTTP status means for the caller, decided without looking at the body: use it, stop
 * because the credentials are refused (retrying cannot help), or try again later.
 */
export type AnswerVerdict =
  | { kind: 'ok' }
  | { kind: 'refused'; status: number }
  | { kind: 'retry'; reason: string; retryAfterMs: number | undefined };

/**
 * 401 and 403 are refusals; every other failure is retried, never turned into an outcome: 5xx and 429 are
 * passing by definition, and a 404 or 400 from a status endpoint is as often a deploy system that has not
 * caught up yet as a mistake, which the retry events and the eventual timeout make visible.
 */
export function answerVerdict(answer: Pick<HttpAnswer, 'status' | 'retryAfter'>, now: number): AnswerVerdict {
  if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
  if (answer.status === 401 || answer.status === 403) return { kind: 'refused', status: answer.status };
  const reason = answer.status === 429 ? 'answered HTTP 429 (rate limited)' : `answered HTTP ${answer.status}`;
  return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(answer.retryAfter, now) };
}
