import type { Store, StoreAccess } from '../db/store.js';
import { listenForStatusChanges } from '../integrations/listen.js';
import { readIntegrationSettings, type IntegrationOptions } from '../integrations/settings.js';
import type { Output } from '../terminal/output.js';

/** What every command gets from the global options. */
export interface CommandContext {
  /** `--db` / `SHIPLOG_DB`, or undefined for the default SQLite file. */
  db: string | undefined;
  out: Output;
  /** `--notify`, `--grafana`, `--github`: who hears of the status changes this command makes. */
  integrations?: IntegrationOptions;
  /** `--timeout` of a command that has one: also how long it waits for a connection to a store at capacity. */
  storeWaitMs?: number;
}

/**
 * Opens the store for one command and closes it afterwards, whatever happens. The store module (Kysely, the
 * driver) loads here, so `--version` and `--help` never pay for it. A command that only reads passes `read`:
 * it never creates a store, and reading the default store before anything was recorded is an empty answer.
 */
export async function withStore<T>(ctx: CommandContext, work: (store: Store) => Promise<T>, access: StoreAccess = 'write'): Promise<T> {
  const integrations = readIntegrationSettings(ctx.integrations);
  const store = await openFor(ctx, access);
  // Every status change this command commits is told to the integrations, and told before the store closes:
  // a failure to tell one is noted on the record. Bounded in time, and never the command's exit code.
  const listening = listenForStatusChanges(store, integrations, ctx.out);
  try {
    return await work(store);
  } finally {
    await listening.settled();
    await store.close();
  }
}

async function openFor(ctx: CommandContext, access: StoreAccess): Promise<Store> {
  const [{ openStore }, { StoreMissingError }] = await Promise.all([import('../db/open-store.js'), import('../db/store-spec.js')]);
  try {
    return await openStore(ctx.db, access, { say: (line) => ctx.out.progress(line), boundMs: ctx.storeWaitMs });
  } catch (error) {
    if (!(error instanceof StoreMissingError) || error.explicit) throw error;
    ctx.out.progress(`no store at ${error.path} yet, so nothing is recorded: the first 'shiplog deploy' creates it (--db or SHIPLOG_DB names another)`);
    return (await import('../db/sqlite.js')).openEmptyStore(error.path);
  }
}
