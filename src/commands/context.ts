import type { Store } from '../db/store.js';
import type { Output } from '../output.js';

/** What every command gets from the global options. */
export interface CommandContext {
  /** `--db` / `SHIPLOG_DB`, or undefined for the default SQLite file. */
  db: string | undefined;
  out: Output;
}

/**
 * Opens the store for one command and closes it afterwards, whatever happens. The store module (Kysely, the
 * driver) loads here, so `--version` and `--help` never pay for it.
 */
export async function withStore<T>(ctx: CommandContext, work: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../db/store.js');
  const store = await openStore(ctx.db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
