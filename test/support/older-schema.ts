import { sql } from 'kysely';
import { migrations } from '../../src/db/migrations.js';
import { openStore } from '../../src/db/open-store.js';

/**
 * Gives an empty store the schema an older shiplog left: every migration up to and including `last`, recorded as
 * applied, and none after. The next shiplog to open it migrates the rest, as on upgrading.
 */
export async function createSchemaThrough(spec: string, last: string): Promise<void> {
  const through = migrations.slice(0, migrations.findIndex((migration) => migration.name === last) + 1);
  if (through.length === 0) throw new Error(`no migration ${last}`);
  const store = await openStore(spec, 'as-is');
  try {
    await store.write(async (tx) => {
      await sql`create table shiplog_migrations (name text primary key, applied_at text not null)`.execute(tx);
      for (const migration of through) {
        await migration.up(tx, store.dialect);
        await tx.insertInto('shiplog_migrations').values({ name: migration.name, applied_at: new Date().toISOString() }).execute();
      }
    });
  } finally {
    await store.close();
  }
}
