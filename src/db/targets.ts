import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * A record's target as stored now, the record locked until the transaction ends, for a caller that merges its
 * own details into it. Two processes add details to one target (the tracker its provider's, an integration
 * its ids); each writing back what it read would drop the other's, and on PostgreSQL, whose transactions see
 * other commits statement by statement, reading inside the writing transaction is not enough. The lock is an
 * update that changes nothing (on SQLite a write transaction holds the whole store already).
 */
export async function lockedTarget(tx: Transaction<Database>, id: number): Promise<Record<string, unknown>> {
  await tx
    .updateTable('deployments')
    .set((eb) => ({ target: eb.ref('target') }))
    .where('id', '=', id)
    .execute();
  const row = await tx.selectFrom('deployments').select('target').where('id', '=', id).executeTakeFirst();
  return row?.target ? (JSON.parse(row.target) as Record<string, unknown>) : {};
}
