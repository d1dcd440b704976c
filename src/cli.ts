import { Command, CommanderError, Option } from 'commander';
import type { CommandContext } from './commands/context.js';
import { ExitCode, ShiplogError, UsageError, type ExitCodeValue } from './errors.js';
import { Output } from './output.js';

declare const SHIPLOG_VERSION: string;

interface GlobalOptions {
  db?: string;
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
}

/**
 * The command-line surface (docs/commands.md) in one place: every command and option. Each action loads its
 * command module only when it runs, so `--version`, `--help` and the light commands never load what they
 * do not use. Only the command being run is defined (the whole tree is for help, and for the suggestions after
 * a mistyped command): building some hundred options that will not be used costs a query command a tenth of
 * its start.
 */
function buildProgram(argv: string[], run: (action: (ctx: CommandContext) => Promise<ExitCodeValue>, command: Command) => Promise<void>): Command {
  const program = withGlobalOptions(new Command('shiplog'))
    .description('Records every deployment, follows it to its real outcome, and rolls back to the last good one.')
    .version(SHIPLOG_VERSION, '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    // Set before the subcommands exist, which copy these settings: errors come back here as values.
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  const definitions = new Map<string, () => Command>();
  const define = (name: string, definition: () => Command) => definitions.set(name, definition);

  define('deploy', () => withGlobalOptions(program.command('deploy'))
    .description('record a deployment and start it (a command after --, --k8s, --ncp-*, --status-url, or none)')
    .option('--app <app>', 'application name (required)')
    .option('--env <env>', 'environment name (required)')
    .option('--version <version>', 'version being deployed')
    .option('--commit <sha>', 'commit SHA (default: from CI)')
    .option('--repo <owner/name>', 'repository (default: from CI)')
    .option('--image <ref>', 'container image')
    .option('--key <key>', 'idempotency key: the same key again returns the first deployment')
    .option('--operator <who>', 'who deploys (default: CI actor or $USER)')
    .option('--message <why>', 'why')
    .option('--k8s <namespace/deployment>', 'a Kubernetes Deployment to set the image of and follow')
    .option('--container <name>', 'the container whose image --image sets')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--ncp-project <id>', 'NCP SourceDeploy project id')
    .option('--ncp-stage <id>', 'NCP SourceDeploy stage id')
    .option('--ncp-scenario <id>', 'NCP SourceDeploy scenario id')
    .option('--ncp-endpoint <url>', 'NCP SourceDeploy endpoint (default: $NCLOUD_SOURCEDEPLOY_ENDPOINT or the VPC endpoint)')
    .option('--status-url <url>', 'a JSON status endpoint of another deploy system')
    .option('--status-field <path>', 'where the status is in that JSON (a.b.c)')
    .option('--success-values <list>', 'status values that mean success (comma-separated)')
    .option('--failure-values <list>', 'status values that mean failure (comma-separated)')
    .addOption(new Option('--header <header>', "request header 'Name: value' ('Name: env:VAR' reads the value from $VAR); repeatable").argParser(collect).default([]))
    .option('--wait', 'follow the deployment until it ends')
    .option('--timeout <duration>', 'give up following after this long')
    .option('--interval <duration>', 'with --wait on NCP or HTTP: time between status polls (default 10s)')
    .option('--supersede', 'cancel the active deployment of the same app and environment instead of refusing')
    .argument('[command...]', 'the deploy command, after --')
    .passThroughOptions()
    .action((argv: string[], options, command: Command) =>
      run(async (ctx) => (await import('./commands/deploy.js')).run(ctx, options, argv), command),
    ));

  define('finish', () => withGlobalOptions(program.command('finish'))
    .description('close a deployment by hand or from CI')
    .argument('<id>', 'deployment id or key')
    .option('--status <status>', 'success, failed or cancelled')
    .option('--message <text>', 'why')
    .action((ref: string, options, command: Command) => run(async (ctx) => (await import('./commands/finish.js')).run(ctx, ref, options), command)));

  define('history', () => withGlobalOptions(program.command('history'))
    .description('deployments, newest first')
    .option('--app <app>', 'only this application')
    .option('--env <env>', 'only this environment')
    .option('--status <status>', 'only this status')
    .option('--since <duration|date>', 'only since then (7d, 2026-01-31)')
    .option('--limit <n>', 'at most this many (default 20)')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/history.js')).run(ctx, options), command)));

  define('show', () => withGlobalOptions(program.command('show'))
    .description('one deployment with its events')
    .argument('<id>', 'deployment id or key')
    .action((ref: string, _options, command: Command) => run(async (ctx) => (await import('./commands/show.js')).run(ctx, ref), command)));

  define('status', () => withGlobalOptions(program.command('status'))
    .description('what runs where now')
    .option('--app <app>', 'only this application')
    .option('--env <env>', 'only this environment')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/status.js')).run(ctx, options), command)));

  define('track', () => withGlobalOptions(program.command('track'))
    .description('follow Kubernetes-backed deployments until each rollout completes or fails')
    .argument('[id...]', 'deployment ids or keys')
    .option('--all', 'every active Kubernetes deployment')
    .option('--follow', 'keep running as a watcher, picking up new deployments as they are recorded')
    .option('--timeout <duration>', 'give up after this long; unresolved records become timeout')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster); each deployment uses the context it was recorded with')
    .action((refs: string[], options, command: Command) => run(async (ctx) => (await import('./commands/track.js')).run(ctx, refs, options), command)));

  define('poll', () => withGlobalOptions(program.command('poll'))
    .description('follow NCP- or HTTP-backed deployments by polling their status until it is final')
    .argument('[id...]', 'deployment ids or keys')
    .option('--all', 'every active NCP or HTTP deployment')
    .option('--interval <duration>', 'time between polls of one deployment (default 10s)')
    .option('--timeout <duration>', 'give up after this long; unresolved records become timeout (default 5m)')
    .option('--concurrency <n>', 'requests in flight at most (default 8)')
    .action((refs: string[], options, command: Command) => run(async (ctx) => (await import('./commands/poll.js')).run(ctx, refs, options), command)));

  define('rollback', () => withGlobalOptions(program.command('rollback'))
    .description('replace what runs now, even a failed deploy, with the newest success before it (or --to), as a new record')
    .option('--app <app>', 'application name (required)')
    .option('--env <env>', 'environment name (required)')
    .option('--to <id|version>', 'the deployment or version to go back to')
    .option('--message <why>', 'why')
    .option('--wait', 'follow the rollback until it ends')
    .option('--timeout <duration>', 'give up following after this long')
    .option('--dry-run', 'say what would be deployed, change nothing')
    .argument('[command...]', 'for a command-provider deployment: the command that rolls back, after --')
    .passThroughOptions()
    .action((argv: string[], options, command: Command) => run(async (ctx) => (await import('./commands/rollback.js')).run(ctx, options, argv), command)));

  define('cleanup', () => withGlobalOptions(program.command('cleanup'))
    .description('find duplicates, stale and old records; changes nothing without --apply')
    .option('--duplicates', 'records of one deployment written more than once')
    .option('--window <duration>', 'how close in time duplicates are (default 60s)')
    .option('--stale <duration>', 'running records older than this whose follower is gone')
    .option('--reconcile', 'ask the provider for the real outcome of stale records instead of marking them stale')
    .option('--prune-older-than <duration>', 'delete final records older than this…')
    .option('--keep <n>', '…keeping at least the newest N of each app and environment')
    .option('--apply', 'carry out the plan')
    .option('--backup <path>', 'where to write the backup of a SQLite store before changing it')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/cleanup.js')).run(ctx, options), command)));

  define('doctor', () => withGlobalOptions(program.command('doctor'))
    .description('check the store, Kubernetes and NCP set-up; each line ok, warn or fail')
    .option('--fix', 'apply the safe fixes (migrations, WAL)')
    .option('--kubeconfig <file>', 'kubeconfig file to check')
    .option('--context <name>', 'kubeconfig context to check')
    .option('--ncp-endpoint <url>', 'NCP SourceDeploy endpoint to check')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/doctor.js')).run(ctx, options), command)));

  define('diff', () => withGlobalOptions(program.command('diff'))
    .description('what changed between two deployments')
    .argument('<from>', 'deployment id or key')
    .argument('<to>', 'deployment id or key')
    .action((from: string, to: string, _options, command: Command) => run(async (ctx) => (await import('./commands/diff.js')).run(ctx, from, to), command)));

  define('stats', () => withGlobalOptions(program.command('stats'))
    .description("DORA's four keys from the history")
    .option('--app <app>', 'only this application')
    .option('--env <env>', 'only this environment')
    .option('--since <duration|date>', 'only since then (default 30d)')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/stats.js')).run(ctx, options), command)));

  define('import', () => withGlobalOptions(program.command('import'))
    .description('bring an existing history (klepaas or sbkube) into the store; reads the source only')
    .requiredOption('--from <kind>', 'klepaas or sbkube')
    .argument('<file>', 'the source file')
    .option('--app <app>', 'application name for records that lack one')
    .option('--env <env>', 'environment name for records that lack one')
    .action((file: string, options, command: Command) => run(async (ctx) => (await import('./commands/import.js')).run(ctx, file, options), command)));

  const named = definitions.get(commandNamed(argv) ?? '');
  if (named) named();
  else for (const definition of definitions.values()) definition();
  return program;
}

/** The command an argument list runs: its first word that is neither a global option nor the value of --db. */
function commandNamed(argv: string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') return undefined;
    if (arg === '--db') index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function withGlobalOptions(command: Command): Command {
  return command
    .option('--db <path|url>', 'SQLite file or postgres:// URL (default: $SHIPLOG_DB, else ~/.local/share/shiplog/shiplog.db)')
    .option('--json', 'one JSON document on stdout')
    .option('--no-color', 'no ANSI colour')
    .option('--verbose', 'more detail on errors and progress');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function outputFor(options: GlobalOptions, env: NodeJS.ProcessEnv): Output {
  const color = options.color !== false && env.NO_COLOR === undefined;
  return new Output({ json: options.json === true, color, verbose: options.verbose === true });
}

/** Runs shiplog with the given arguments and resolves with the exit code; never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let out = outputFor({ json: argv.includes('--json'), verbose: argv.includes('--verbose'), color: !argv.includes('--no-color') }, env);
  const program = buildProgram(argv, async (action, command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    out = outputFor(options, env);
    exitCode = await action({ db: options.db ?? (env.SHIPLOG_DB || undefined), out });
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')) {
      return ExitCode.ok;
    }
    return reportError(out, error);
  }
}

function reportError(out: Output, error: unknown): ExitCodeValue {
  const failure = asShiplogError(error);
  const message = failure.message.replace(/\s*\n[\s\S]*$/, '');
  if (out.json) {
    process.stderr.write(`${JSON.stringify({ error: { code: failure.code, message } })}\n`);
  } else {
    process.stderr.write(`shiplog: ${message}${failure.code === 'internal' && !out.verbose ? ' (run with --verbose for the stack)' : ''}\n`);
  }
  if (out.verbose) {
    for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
      process.stderr.write(`${(cause as Error).stack ?? String(cause)}\n`);
    }
  }
  return failure.exitCode;
}

function asShiplogError(error: unknown): ShiplogError {
  if (error instanceof ShiplogError) return error;
  if (error instanceof CommanderError) {
    const message = error.message.replace(/^error: /, '');
    return new UsageError(`${message}; see 'shiplog --help'`, error.code.replace(/^commander\./, ''));
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ShiplogError(`unexpected error: ${reason}`, ExitCode.failed, 'internal', { cause: error });
}
