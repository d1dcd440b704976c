import type { RemoteState } from './remote-state.js';

/**
 * Reads one deployment's status from its deploy service. `read` resolves with what the answer means, or throws
 * a TransientFailure (try again later) or an EnvironmentError (the credentials are refused: stop).
 */
export interface StatusProbe {
  /** The service's short name for progress lines and events (`NCP`, `status URL`). */
  readonly service: string;
  read(request: { signal: AbortSignal; timeoutMs: number }): Promise<RemoteState>;
}
