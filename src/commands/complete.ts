import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompletionValueKind } from '../completion/kinds.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { CommandContext } from './context.js';

/** How long a Tab press may wait for the store: past this, the completion offers nothing rather than hang the shell. */
const answerWithinMs = 2_000;

/**
 * `shiplog __complete apps|envs|keys`, which the completion scripts run: the values, one a line. It only reads
 * (never creates a store, never migrates one) and never fails: with no store, an unreachable one, or any error,
 * it prints nothing and exits 0, since a completion has no place to show an error.
 */
export async function run(ctx: CommandContext, kind: CompletionValueKind): Promise<ExitCodeValue> {
  const values = await Promise.race([readValues(ctx.db, kind).catch(() => []), sleep(answerWithinMs, [], { ref: false })]);
  if (values.length > 0) ctx.out.stdout.write(`${values.join('\n')}\n`);
  return ExitCode.ok;
}

/** Opened as it is, so a Tab press never migrates a store; a SQLite file that does not exist is not created. */
async function readValues(db: string | undefined, kind: CompletionValueKind): Promise<string[]> {
  const [{ openStore }, { parseStoreSpec }, { listCompletionValues }] = await Promise.all([
    import('../db/open-store.js'),
    import('../db/store-spec.js'),
    import('../completion/stored-values.js'),
  ]);
  const spec = parseStoreSpec(db);
  if (spec.kind === 'sqlite' && !existsSync(spec.path)) return [];
  const store = await openStore(db, 'as-is');
  try {
    return await store.read((tx) => listCompletionValues(tx, kind));
  } finally {
    await store.close();
  }
}
