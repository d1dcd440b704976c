import { EnvironmentError } from '../../errors.js';

/** Which API server, through which context: how every failure line names where it happened. */
export interface ApiWhere {
  context: string;
  server: string;
}

/**
 * The HTTP status of a failed call: `ApiException.code` from the generated client, `statusCode` from a Watch
 * that got an answer other than 200, `code` in the Status object of a watch `ERROR` event.
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A failed call described in one line; `statusCode` keeps the server's answer, for deciding on a retry. */
export class ApiFailure extends EnvironmentError {
  constructor(
    message: string,
    code: string,
    readonly statusCode?: number,
  ) {
    super(message, code);
  }
}

/**
 * 401, 403 and a failed exec credential plugin do not get better by retrying: the command stops with exit 5.
 * Takes a raw error or a described one.
 */
export function isCredentialFailure(error: unknown): boolean {
  if (error instanceof EnvironmentError) return ['k8s_unauthorized', 'k8s_forbidden', 'k8s_exec_plugin'].includes(error.code);
  const status = httpStatusOf(error);
  return status === 401 || status === 403;
}

/** A server error, throttling, or no answer at all: the API server's bad moment, worth another try later. */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof EnvironmentError && error.code === 'k8s_unreachable') return true;
  const status = httpStatusOf(error);
  return status !== undefined && (status >= 500 || status === 429 || status === 408);
}

/**
 * One line for a failed call to the API server, naming the context and the server and what shiplog was doing.
 * Built from the status code or the network error code only: the client's own messages carry response bodies,
 * so none of them is passed on. A line shiplog already wrote (an exec plugin's failure) is passed on as it is.
 */
export function describeApiFailure(error: unknown, where: ApiWhere, doing: string): EnvironmentError {
  if (error instanceof EnvironmentError) return error;
  const at = `the Kubernetes API at ${where.server} (context '${where.context}')`;
  const status = httpStatusOf(error);
  if (status === 401) return new ApiFailure(`${at} refused the credentials (401 Unauthorized) while ${doing}; renew them in the kubeconfig`, 'k8s_unauthorized', status);
  if (status === 403) return new ApiFailure(`${at} does not allow ${doing} (403 Forbidden); ask for that access there`, 'k8s_forbidden', status);
  if (status !== undefined) return new ApiFailure(`${at} answered HTTP ${status} while ${doing}`, 'k8s_api', status);
  return new ApiFailure(`cannot reach ${at} while ${doing}: ${networkReason(error)}`, 'k8s_unreachable');
}

function networkReason(error: unknown): string {
  const { name, type, code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    type?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (name === 'AbortError' || type === 'aborted' || name === 'TimeoutError') return 'no answer in time';
  if (typeof code === 'string') return code;
  // The client refuses plain http unless the cluster entry skips TLS verification; its message says so.
  if (typeof message === 'string' && /HTTP protocol is not allowed/.test(message)) return 'an http:// server needs insecure-skip-tls-verify: true in its cluster entry';
  return 'the request failed';
}
