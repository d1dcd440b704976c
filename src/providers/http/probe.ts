import { EnvironmentError } from '../../errors.js';
import type { HttpAnswer } from '../../polling/answer-verdict.js';
import { jsonBodyOf } from '../../polling/json-answer.js';
import { TransientFailure } from '../../polling/request-failure.js';
import { sendRequest } from '../../polling/send-request.js';
import type { StatusProbe } from '../../polling/status-probe.js';
import { describeHeaders, headerValues } from './headers.js';
import { recordedHttpTarget, type HttpTarget } from './target.js';
import { redirectStep } from './redirect.js';
import { httpStatusMeaning } from './status-meaning.js';

/** Redirects followed in one read at most; more is a loop, which is retried like any passing failure until the time limit. */
const maxRedirects = 5;

/** Polls a recorded HTTP deployment's status URL, with the header values this process can supply (exit 5 when one is missing). */
export function httpProbe(key: string, target: Record<string, unknown> | null, env: NodeJS.ProcessEnv = process.env): StatusProbe {
  const recorded = recordedHttpTarget(key, target);
  return statusUrlProbe(recorded, headerValues(recorded.headers, new Map(), env, key));
}

/** Reads the status URL once per call with these header values, and decides what the answer means. */
export function statusUrlProbe(target: HttpTarget, headers: Record<string, string>): StatusProbe {
  const refused = (status: number) =>
    new EnvironmentError(
      `the status URL refused the request (HTTP ${status})${target.headers.length > 0 ? `: check the credentials its headers carry (${describeHeaders(target.headers)})` : '; it may need a --header'}`,
      'http_refused',
    );
  return {
    service: 'status URL',
    read: async (request) => httpStatusMeaning(jsonBodyOf(await readFollowingRedirects(target, headers, request), refused), target),
  };
}

/**
 * One read of the status URL, following the redirects redirectStep allows within the request's time. A redirect
 * that would carry the headers to another origin stops polling (exit 5, the record stays as it is): following it
 * would hand the credentials to a server the user never named, and ignoring it would never reach the status.
 */
async function readFollowingRedirects(target: HttpTarget, headers: Record<string, string>, request: { signal: AbortSignal; timeoutMs: number }): Promise<HttpAnswer> {
  const deadline = Date.now() + request.timeoutMs;
  let url = target.url;
  for (let redirects = 0; ; redirects += 1) {
    const answer = await sendRequest({ method: 'GET', url, headers, signal: request.signal, timeoutMs: Math.max(1, deadline - Date.now()) });
    const step = redirectStep(url, answer, Object.keys(headers).length > 0);
    if (step.kind === 'answer') return answer;
    if (step.kind === 'refuse') {
      throw new EnvironmentError(
        `the status URL redirects to ${step.origin}, another origin; shiplog does not send its headers (${describeHeaders(target.headers)}) there, so it stopped: if that server should have them, record the deployment with its address as --status-url`,
        'cross_origin_redirect',
      );
    }
    if (redirects === maxRedirects) throw new TransientFailure(`redirected more than ${maxRedirects} times`);
    url = step.url;
  }
}
