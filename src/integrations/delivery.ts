import { transportReason } from '../polling/transport-reason.js';
import { jittered, parseRetryAfter } from '../timing/backoff.js';
import { parseTimeLimit } from '../timing/duration.js';

declare const SHIPLOG_VERSION: string;

/** One outbound call about a status change. */
export interface Outbound {
  method: 'POST' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface Answer {
  status: number;
  body: string;
}

/** Why a call could not be made; its message is safe to print and to keep (status codes, never the URL or a header). */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    /** The receiver never answered (timeout, refused, reset): later calls to it in this run are not worth their wait. */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}

/**
 * How long one receiver may hold shiplog up. Each request gets `timeoutMs` (SHIPLOG_INTEGRATION_TIMEOUT, default 5s);
 * a timeout, a transport error, 408, 429 or 5xx is tried again after 1 s and 2 s (±20%, or the Retry-After asked,
 * up to 10 s): at most 3 attempts, about 18 s for a receiver that never answers, and the run stops calling it after that.
 */
export interface DeliveryPolicy {
  timeoutMs: number;
  attempts: number;
  baseDelayMs: number;
  maxRetryAfterMs: number;
}

export function deliveryPolicy(env: NodeJS.ProcessEnv = process.env): DeliveryPolicy {
  const timeoutMs = env.SHIPLOG_INTEGRATION_TIMEOUT ? parseTimeLimit(env.SHIPLOG_INTEGRATION_TIMEOUT, 'SHIPLOG_INTEGRATION_TIMEOUT') : 5_000;
  return { timeoutMs, attempts: 3, baseDelayMs: 1_000, maxRetryAfterMs: 10_000 };
}

export const userAgent = `shiplog/${SHIPLOG_VERSION}`;

/** Answers larger than this are not read: what shiplog needs from one is an id or a short error message. */
const maxAnswerBytes = 256 * 1024;

/**
 * Sends one request with axios (loaded on first use, as the HTTP provider does), retrying what may pass. Resolves
 * with a 2xx answer; throws a DeliveryFailure for anything else once the attempts are used up.
 */
export async function deliver(request: Outbound, policy: DeliveryPolicy): Promise<Answer> {
  const { default: axios } = await import('axios');
  let last = '';
  for (let attempt = 1; ; attempt += 1) {
    let retryAfterMs: number | undefined;
    try {
      const response = await axios.request<string>({
        method: request.method,
        url: request.url,
        headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent, ...request.headers },
        data: JSON.stringify(request.body),
        timeout: policy.timeoutMs,
        signal: AbortSignal.timeout(policy.timeoutMs),
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        maxContentLength: maxAnswerBytes,
        maxRedirects: 0,
      });
      const body = typeof response.data === 'string' ? response.data : '';
      if (response.status >= 200 && response.status < 300) return { status: response.status, body };
      last = `HTTP ${response.status}${refusal(body)}`;
      if (!retried(response.status)) throw new DeliveryFailure(last, false);
      const header = response.headers['retry-after'];
      retryAfterMs = parseRetryAfter(typeof header === 'string' ? header : undefined, Date.now());
    } catch (error) {
      if (error instanceof DeliveryFailure) throw error;
      last = axios.isAxiosError(error) ? transportReason(error.code, policy.timeoutMs) : 'request failed';
      if (attempt >= policy.attempts) throw new DeliveryFailure(`${last} (${attempt} attempts)`, true);
    }
    if (attempt >= policy.attempts) throw new DeliveryFailure(`${last} after ${attempt} attempts`, false);
    const backoff = jittered(policy.baseDelayMs * 2 ** (attempt - 1), 0.2);
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(backoff, retryAfterMs ?? 0), policy.maxRetryAfterMs)));
  }
}

function retried(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A receiver's own words for a refusal (GitHub's `message`, Slack's `invalid_payload`), one short line. */
function refusal(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    text = typeof parsed.message === 'string' ? parsed.message : '';
  } catch {
    // Not JSON: Slack answers a plain word.
  }
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line ? ` (${line.length > 120 ? `${line.slice(0, 119)}…` : line})` : '';
}
