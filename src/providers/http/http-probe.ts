import { EnvironmentError } from '../../errors.js';
import { jsonBodyOf } from '../../polling/json-answer.js';
import { sendRequest } from '../../polling/send-request.js';
import type { StatusProbe } from '../../polling/status-probe.js';
import { describeHeaders, headerValues } from './headers.js';
import { recordedHttpTarget, type HttpTarget } from './http-target.js';
import { httpStatusMeaning } from './status-meaning.js';

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
    read: async (request) => httpStatusMeaning(jsonBodyOf(await sendRequest({ method: 'GET', url: target.url, headers, followRedirects: true, ...request }), refused), target),
  };
}
