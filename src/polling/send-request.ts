import type { HttpAnswer } from './answer-verdict.js';
import { TransientFailure } from './request-failure.js';

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
 * hands back the answer whatever its status. A timeout or a transport error becomes a TransientFailure whose
 * reason names the failure only: axios errors carry the request's headers, which never leave this function.
 */
export async function sendRequest(spec: RequestSpec): Promise<HttpAnswer> {
  const { default: axios } = await import('axios');
  const deadline = AbortSignal.timeout(spec.timeoutMs);
  const signal = spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline;
  try {
    const response = await axios.request<string>({
      method: spec.method,
      url: spec.url,
      headers: { Accept: 'application/json', ...spec.headers },
      signal,
      responseType: 'text',
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
      maxContentLength: maxAnswerBytes,
    });
    const retryAfter = response.headers['retry-after'];
    return { status: response.status, body: typeof response.data === 'string' ? response.data : '', retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
  } catch (error) {
    if (spec.signal?.aborted) throw spec.signal.reason;
    if (deadline.aborted) throw new TransientFailure(`no answer within ${spec.timeoutMs}ms`);
    throw new TransientFailure(transportReason(axios.isAxiosError(error) ? error.code : undefined));
  }
}

function transportReason(code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not resolved';
    case 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED':
    case 'ERR_BAD_RESPONSE':
      return 'answer too large or malformed';
    default:
      return code ? `request failed (${code})` : 'request failed';
  }
}
