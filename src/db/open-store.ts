import { parseStoreSpec } from './store-spec.js';
import type { CapacityWait, Store, StoreAccess } from './store.js';

/**
 * Opens the store named by `--db` / `SHIPLOG_DB` (a path or a postgres URL; anything else is exit 2) for
 * `access` (default `write`, see StoreAccess); with `capacity`, waiting for a connection from its first
 * transaction on where the store refuses one for capacity.
 */
export async function openStore(spec: string | undefined, access: StoreAccess = 'write', capacity?: CapacityWait): Promise<Store> {
  const named = parseStoreSpec(spec);
  const store =
    named.kind === 'postgres'
      ? await (await import('./postgres.js')).openPostgresStore(named.url)
      : await (await import('./sqlite.js')).openSqliteStore(named.path, access, named.explicit);
  if (capacity) store.waitForCapacity(capacity);
  if (access === 'as-is') return store;
  try {
    await store.migrate();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
