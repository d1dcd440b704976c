import type { RemoteMeaning, RemoteState } from '../../polling/remote-state.js';

/** NCP SourceDeploy's status vocabulary (history detail, Korean and government editions of the API pages). */
const vocabulary = new Map<string, [RemoteMeaning, string]>([
  ['success', ['success', 'deployed']],
  ['fail', ['failed', 'deployment failed']],
  ['error', ['failed', 'error during deployment']],
  ['reject', ['failed', 'rejected at approval']],
  ['canary_reject', ['failed', 'canary rejected']],
  ['canary_waiting_timeout', ['failed', 'canary analysis timed out']],
  ['canceled', ['cancelled', 'cancelled']],
  ['inprogress', ['running', 'in progress']],
  ['pending', ['running', 'awaiting approval']],
  ['waiting', ['running', 'waiting to deploy']],
  ['canceling', ['running', 'being cancelled']],
  ['canary_pending', ['running', 'canary waiting']],
  ['canary_analyzing', ['running', 'canary under analysis']],
  ['canary_rejecting', ['running', 'canary being rejected']],
]);

/** What an NCP status means for shiplog. A word outside the vocabulary is `unknown`: polled on, never a success. */
export function ncpStatusMeaning(status: string): RemoteState {
  const known = vocabulary.get(status.trim().toLowerCase());
  if (!known) return { meaning: 'unknown', remote: status, description: 'not an NCP SourceDeploy status shiplog knows' };
  return { meaning: known[0], remote: status, description: known[1] };
}

/** The history detail answer, with or without the `result` wrapper that newer API pages show. */
export function readHistoryAnswer(body: unknown): RemoteState {
  const status = unwrap(body)?.status;
  if (typeof status !== 'string' || status.trim() === '') {
    return { meaning: 'unknown', remote: '(none)', description: 'the answer has no status' };
  }
  return ncpStatusMeaning(status);
}

/** The history id from a scenario start answer (`{result:{historyId}}` or `{historyId}`), if it holds a usable one. */
export function readStartAnswer(body: unknown): number | string | undefined {
  const id = unwrap(body)?.historyId;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  if (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) return id;
  return undefined;
}

function unwrap(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body)) return undefined;
  return isObject(body.result) ? body.result : body;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
