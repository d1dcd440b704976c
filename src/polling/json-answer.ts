import type { EnvironmentError } from '../errors.js';
import { answerVerdict, type HttpAnswer } from './answer-verdict.js';
import { TransientFailure } from './request-failure.js';

/**
 * The JSON body of an answer the caller can use. A refusal becomes the provider's own EnvironmentError (it
 * knows which credentials to name); every other failure, an unreadable body included, a TransientFailure.
 */
export function jsonBodyOf(answer: HttpAnswer, refused: (status: number) => EnvironmentError, now = Date.now()): unknown {
  const verdict = answerVerdict(answer, now);
  if (verdict.kind === 'refused') throw refused(verdict.status);
  if (verdict.kind === 'retry') throw new TransientFailure(verdict.reason, verdict.retryAfterMs);
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new TransientFailure(`answer is not JSON (HTTP ${answer.status}, ${answer.body.length} bytes)`);
  }
}
