import type { StatusChange } from '../db/status-changes.js';
import type { Store } from '../db/store.js';
import type { Output } from '../terminal/output.js';
import { concerns, type IntegrationSettings } from './settings.js';

export interface Listening {
  /** Waits until every status change heard so far has been told (each call bounded, see delivery.ts). */
  settled(): Promise<void>;
}

/**
 * Has the store hand this process's committed status changes to the integrations. The announcer (and through it
 * axios) loads only once a change concerns one, so a command with no integration pays nothing for them.
 */
export function listenForStatusChanges(store: Store, settings: IntegrationSettings, out: Output): Listening {
  let announcer: Promise<{ hear(changes: readonly StatusChange[]): void; settled(): Promise<void> }> | undefined;
  // A deployment this process mirrors into GitHub: its later changes concern GitHub before its record says so.
  const mirroredHere = new Set<number>();
  store.onStatusChanges((changes) => {
    const relevant = changes.filter((change) => concerns(settings, change) || mirroredHere.has(change.deployment.id));
    if (relevant.length === 0) return;
    for (const change of relevant) if (settings.github && change.event.from === null) mirroredHere.add(change.deployment.id);
    announcer ??= import('./announcer.js').then(({ Announcer }) => new Announcer(store, settings, out));
    void announcer.then((told) => told.hear(relevant));
  });
  return {
    async settled() {
      if (announcer) await (await announcer).settled();
    },
  };
}
