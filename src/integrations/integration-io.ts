import type { Store } from '../db/store.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Answer, Outbound } from './delivery.js';

/** What an integration may do about a status change, as the announcer provides it. */
export interface IntegrationIo {
  store: Store;
  /**
   * Sends the request (retries and bounds included) and resolves with the answer; resolves undefined once the
   * failure is reported on stderr and noted as an event on `deployment`, so the caller only decides what is next.
   */
  attempt(deployment: Deployment, what: string, request: Outbound): Promise<Answer | undefined>;
  /** Reports `what` as not done, `why`, on stderr and as an event on the deployment. */
  failed(deployment: Deployment, what: string, why: string): Promise<void>;
  /** Keeps an integration's details (a GitHub deployment id) under `name` in the record's target, for later processes. */
  saveTarget(id: number, name: string, details: Record<string, unknown>): Promise<void>;
  /** The record's target with what this process saved since the change was read. */
  targetOf(deployment: Deployment): Record<string, unknown> | null;
}
