import { EnvironmentError } from '../../errors.js';
import { jsonBodyOf } from '../../polling/json-answer.js';
import type { RemoteState } from '../../polling/remote-state.js';
import { StartUnconfirmed } from '../provider.js';
import { TransientFailure } from '../../polling/request-failure.js';
import { sendRequest } from '../../polling/send-request.js';
import type { StatusProbe } from '../../polling/status-probe.js';
import type { NcpCredentials } from './credentials.js';
import { readHistoryAnswer, readStartAnswer } from './status.js';
import type { NcpTarget } from './target.js';
import { signedHeaders } from './signature.js';

/** The NCP API gateway's codes for a refused call (HTTP 401), as its error body names them. */
const gatewayRefusals: Record<string, string> = { '200': 'Authentication Failed', '210': 'Permission Denied' };

/** The two SourceDeploy calls shiplog makes, each signed as the API gateway requires. */
export class NcpClient {
  constructor(
    private readonly endpoint: string,
    private readonly credentials: NcpCredentials,
  ) {}

  /**
   * Starts the scenario and resolves with the history id of the run. Not retried: a start that timed out or
   * met a 5xx may have begun anyway, and starting it twice would be worse than saying so. `signal` drops the
   * request at once (Ctrl-C) and throws its reason.
   */
  async startScenario(target: NcpTarget, timeoutMs: number, signal?: AbortSignal): Promise<number | string> {
    const path = `/api/v1/project/${segment(target.projectId)}/stage/${segment(target.stageId)}/scenario/${segment(target.scenarioId)}/deploy`;
    let body: unknown;
    try {
      body = await this.call('POST', path, timeoutMs, signal);
    } catch (error) {
      if (!(error instanceof TransientFailure)) throw error;
      throw new StartUnconfirmed(
        `could not start NCP scenario ${target.scenarioId}: SourceDeploy ${error.reason}; it may have started anyway, so check the SourceDeploy console before deploying again`,
        'ncp_start',
      );
    }
    const historyId = readStartAnswer(body);
    if (historyId === undefined) {
      throw new StartUnconfirmed(`NCP SourceDeploy took the start of scenario ${target.scenarioId} but named no historyId; check the SourceDeploy console`, 'ncp_start');
    }
    return historyId;
  }

  /** Reads one run's status, a request each time it is asked. */
  historyProbe(projectId: string, historyId: number | string): StatusProbe {
    const path = `/api/v1/project/${segment(projectId)}/history/${segment(String(historyId))}`;
    return {
      service: 'NCP',
      read: async (request): Promise<RemoteState> => readHistoryAnswer(await this.call('GET', path, request.timeoutMs, request.signal)),
    };
  }

  private async call(method: 'GET' | 'POST', path: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(this.endpoint);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    const headers = signedHeaders(method, `${url.pathname}${url.search}`, this.credentials);
    const answer = await sendRequest({ method, url: url.toString(), headers, timeoutMs, signal });
    return jsonBodyOf(answer, (status) => refusal(status, answer.body));
  }
}

function refusal(status: number, body: string): EnvironmentError {
  const why = gatewayRefusals[gatewayCode(body) ?? ''];
  return new EnvironmentError(
    `NCP SourceDeploy refused the credentials (HTTP ${status}${why ? `, ${why}` : ''}): check NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY, and that the key may use SourceDeploy`,
    'ncp_refused',
  );
}

/** The gateway's error code from its error body (`{"error":{"errorCode":"200",…}}`); the message itself is not repeated. */
function gatewayCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { errorCode?: unknown } };
    const code = parsed.error?.errorCode;
    return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
  } catch {
    return undefined;
  }
}

function segment(id: string): string {
  return encodeURIComponent(id);
}
