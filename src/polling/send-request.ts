import type { HttpAnswer } from './answer-verdict.js';
import { TransientFailure } from './request-failure.js';
import { transportReason } from './transport-reason.js';

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** The whole request, answer included, gets this long. */
  timeoutMs: number;
  /** Ctrl-C: the request is dropped and the signal's reason thrown. */
  signal?: AbortSignal;
}

/** Status bodies are small; a larger answer is a misconfigured URL, not a status. */
const maxAnswerBytes = 1024 * 1024;

/**
 * Sends one request with axios (loaded on first use, so commands that never talk HTTP never load it) and
 * hands back the answer whatever its status. A redirect is an answer too, never followed here: whether its
 * target may have the request's headers is the caller's decision (providers/http/redirect.ts). A timeout or a transport error becomes a TransientFailure whose
 * reason names the failure only: axios errors carry the request's headers, which never leave this function.
 */
export async function sendRequest(spec: RequestSpec): Promise<HttpAnswer> {
  const { default: axios } = await import('axios');
  spec.signal?.throwIfAborted();
  // One controller per request, its timer and listener removed as soon as the request ends: with hundreds of
  // deployments polled for minutes, a timer or listener left behind per request adds up.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, spec.timeoutMs);
  const stop = () => controller.abort(spec.signal!.reason);
  spec.signal?.addEventListener('abort', stop, { once: true });
  try {
    const response = await axios.request<string>({
      method: spec.method,
      url: spec.url,
      headers: { Accept: 'application/json', ...spec.headers },
      signal: controller.signal,
      responseType: 'text',
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
      maxContentLength: maxAnswerBytes,
      maxRedirects: 0,
    });
    const { 'retry-after': retryAfter, location } = response.headers;
    return {
      status: response.status,
      body: typeof response.data === 'string' ? response.data : '',
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      location: typeof location === 'string' ? location : undefined,
    };
  } catch (error) {
    if (spec.signal?.aborted) throw spec.signal.reason;
    if (timedOut) throw new TransientFailure(`gave no answer within ${spec.timeoutMs}ms`);
    throw new TransientFailure(transportReason(axios.isAxiosError(error) ? error.code : undefined, spec.timeoutMs));
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', stop);
  }
}
