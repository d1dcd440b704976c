import { formatDuration } from '../timing/duration.js';

/**
 * Why a request got no HTTP answer, in words, from the code axios gives (Node's socket codes and its own): what a
 * deploy service's poll and an integration's delivery both report, retry on, and record as an event.
 */
export function transportReason(code: string | undefined, timeoutMs: number): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
    case 'ERR_CANCELED':
      return `no answer within ${formatDuration(timeoutMs)}`;
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
