import type { HttpAnswer } from '../../polling/answer-verdict.js';

/** What to do with one answer of a status URL: use it, follow its redirect, or refuse to follow it. */
export type RedirectStep = { kind: 'answer' } | { kind: 'follow'; url: string } | { kind: 'refuse'; origin: string };

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Whether to follow a redirect from `from`. Within one origin (scheme, host and port) it is followed: the
 * status URL moved, and the headers go where they were meant to go. To another origin it is followed only
 * when the request carries no headers of the user's, since those are credentials meant for the first server
 * (HTTP clients drop `Authorization` there, but not `X-Api-Key` and its kind). An answer that is not a
 * redirect, or one whose Location is missing or not http(s), is the answer.
 */
export function redirectStep(from: string, answer: Pick<HttpAnswer, 'status' | 'location'>, carriesHeaders: boolean): RedirectStep {
  if (!redirectStatuses.has(answer.status) || answer.location === undefined) return { kind: 'answer' };
  let to: URL;
  try {
    to = new URL(answer.location, from);
  } catch {
    return { kind: 'answer' };
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return { kind: 'answer' };
  if (to.origin === new URL(from).origin || !carriesHeaders) return { kind: 'follow', url: to.toString() };
  return { kind: 'refuse', origin: to.origin };
}
