/**
 * Which of the two CLI bundles runs a command line (scripts/build.mjs builds both; bin/shiplog.js asks this file,
 * built on its own, before it loads either). The query commands are what a user waits on most often, and what
 * completion runs at each Tab press: their bundle holds them, the store and the command line, and not the
 * providers, follower, import, report or doctor code, whose bytes every start would otherwise read and compile.
 */

/** The query commands, each with the module in src/commands/ that runs it. */
export const queryCommandModules: Readonly<Record<string, string>> = {
  history: 'history',
  show: 'show',
  status: 'status',
  diff: 'diff',
  stats: 'stats',
  __complete: 'complete',
};

export type BundleName = 'query' | 'cli';

/** The command an argument list runs: its first word that is neither a global option nor the value of --db. */
export function commandNamed(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') return undefined;
    if (arg === '--db') index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The query bundle for a query command; the whole CLI for anything else (other commands, `help`, no command, a typo). */
export function bundleFor(argv: readonly string[]): BundleName {
  return Object.hasOwn(queryCommandModules, commandNamed(argv) ?? '') ? 'query' : 'cli';
}

/**
 * The commands that allocate for many seconds or minutes and keep little alive: `import` and `cleanup`, which read
 * or write a whole history a batch at a time, and `track`, which follows rollouts for as long as they take, a
 * watch event and a committed status at a time.
 */
const smallHeapCommands = new Set(['import', 'cleanup', 'track']);

/**
 * The V8 settings bin/shiplog.js gives such a command before loading its bundle; none for any other command, whose
 * start-up stays as it is. Such a run keeps little alive (about 10 MB for import, 40 MB for track following 10,000
 * rollouts), yet by V8's defaults the young generation doubles each time as much as it holds has survived, to 32 MB
 * within seconds, and the old generation is collected only once it has grown to four times what is live: some
 * 70 MB of garbage held by import at 1,000,000 records, 150 MB by track in the minute it follows 10,000 rollouts.
 * Both rules are read by the collector as it runs, so, unlike --max-semi-space-size, they take effect when set
 * after start-up.
 */
export function heapFlagsFor(argv: readonly string[]): string | undefined {
  return smallHeapCommands.has(commandNamed(argv) ?? '') ? '--semi-space-growth-factor=1 --heap-growing-percent=50' : undefined;
}

/**
 * The PostgreSQL store a command line names by `--db` (its last, as commander takes it), else by `SHIPLOG_DB`;
 * undefined for a SQLite store or when only .shiplog.json could tell. bin/shiplog.js starts connecting to it
 * before loading a bundle (src/db/postgres-pool.ts); the store still takes its URL from the parsed options.
 */
export function postgresStoreNamed(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  let named: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') break;
    if (arg === '--db') named = argv[(index += 1)];
    else if (arg.startsWith('--db=')) named = arg.slice('--db='.length);
  }
  const store = named ?? env.SHIPLOG_DB;
  return store !== undefined && /^postgres(ql)?:\/\//i.test(store) ? store : undefined;
}
