import type { Transaction } from 'kysely';
import type { Deployment, DeploymentEvent } from '../deployment/deployment.js';
import type { Database } from './schema.js';

/** One status change this process made, as it committed: the record right after it, and its event. */
export interface StatusChange {
  deployment: Deployment;
  event: DeploymentEvent;
}

/**
 * The status changes written on each open write transaction. The store opens the list, the writers of status
 * changes add to it, and the store hands it on only once the transaction has committed: what this process tells
 * the outside world (integrations) never includes a change that was rolled back.
 */
const openLists = new WeakMap<Transaction<Database>, StatusChange[]>();

export function collectStatusChanges(tx: Transaction<Database>, into: StatusChange[]): void {
  openLists.set(tx, into);
}

/** Notes a change written on `q`; a query target that is no store transaction (a test's raw handle) keeps none. */
export function noteStatusChange(q: object, change: StatusChange): void {
  openLists.get(q as Transaction<Database>)?.push(change);
}
