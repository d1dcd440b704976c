import { Argument, Command, CommanderError, Option } from 'commander';
import type { CommandContext } from './commands/context.js';
import { completionShells, completionValueKinds, type CompletionShell, type CompletionValueKind } from './completion/kinds.js';
import { commandNamed } from './config/bundle-choice.js';
import { findConfigFile } from './config/config-file.js';
import { statuses } from './deployment/lifecycle.js';
import { ExitCode, ShiplogError, type ExitCodeValue } from './errors.js';
import type { IntegrationOptions } from './integrations/settings.js';
import { colourSetting } from './terminal/colour.js';
import { commandLineError, isAboutCommandLine, withHelpPointer } from './terminal/command-line-errors.js';
import { Output } from './terminal/output.js';
import { printable } from './terminal/printable.js';
import { standardStream, type StandardStream } from './terminal/standard-stream.js';

export { standardStreamsDrained } from './terminal/standard-stream.js';

declare const SHIPLOG_VERSION: string;

/** Where a run writes: the process's stdout and stderr, or what an in-process caller (the code-cache build) reads. */
export interface StandardStreams {
  stdout: StandardStream;
  stderr: StandardStream;
}

interface GlobalOptions extends IntegrationOptions {
  db?: string;
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
}

/**
 * The command-line surface (docs/commands.md) in one place: every command and option. Each action loads its
 * command module only when it runs, so `--version`, `--help` and the light commands never load what they
 * do not use. Only the command being run is defined (the whole tree is for help, completion, and the suggestions
 * after a mistyped command): building some hundred options that will not be used costs a query command a tenth
 * of its start.
 */
function buildProgram(
  argv: string[],
  stdout: StandardStream,
  run: (action: (ctx: CommandContext) => Promise<ExitCodeValue>, command: Command) => Promise<void>,
): Command {
  const program = withGlobalOptions(new Command('shiplog'))
    .description('Records every deployment, follows it to its real outcome, and rolls back to the last good one.')
    .version(SHIPLOG_VERSION, '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    // shiplog's own `help`, which refuses a name that is no command (commander's shows the list and exits 1).
    .helpCommand(false)
    // Set before the subcommands exist, which copy these settings: errors come back here as values, and help is
    // written as answers are (standard-stream.ts), so the exit waits for all of it.
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: () => undefined, outputError: () => undefined });
  const definitions = new Map<string, () => Command>();
  const define = (name: string, definition: () => Command) => definitions.set(name, definition);

  define('deploy', () => withIntegrationOptions(withGlobalOptions(program.command('deploy')), { github: true })
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
    .option('--k8s <namespace/[kind/]name>', 'a Kubernetes Deployment (or statefulset/daemonset as kind) to set the image of and follow')
    .option('--container <name>', 'the container whose image --image sets')
    .option('--helm <namespace/release>', 'a Helm release: the revision a command after -- produces (or the latest), followed to its outcome')
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
    .addOption(new Option('--header <header>', "request header 'Name: value' ('Name: env:VAR' reads the value from $VAR); repeatable").argParser(collect))
    .option('--wait', 'follow the deployment until it ends')
    .option('--timeout <duration>', 'give up following after this long')
    .option('--interval <duration>', 'with --wait on NCP or HTTP: time between status polls (default 10s)')
    .option('--supersede', 'cancel the active deployment of the same app and environment instead of refusing')
    .option('--dotenv <file>', 'write SHIPLOG_KEY, SHIPLOG_STATUS, … of the deployment to this dotenv file (default: $SHIPLOG_DOTENV)')
    .argument('[command...]', 'the deploy command, after --')
    .passThroughOptions()
    .action((argv: string[], options, command: Command) =>
      run(async (ctx) => (await import('./commands/deploy.js')).run(ctx, options, argv), command),
    ));

  define('finish', () => withIntegrationOptions(withGlobalOptions(program.command('finish')))
    .description('close a deployment by hand or from CI')
    .argument('<id>', 'deployment id or key')
    .addOption(new Option('--status <status>', 'how it ended').choices(['success', 'failed', 'cancelled']))
    .option('--message <text>', 'why')
    .option('--dotenv <file>', 'write SHIPLOG_KEY, SHIPLOG_STATUS, … of the deployment to this dotenv file (default: $SHIPLOG_DOTENV)')
    .action((ref: string, options, command: Command) => run(async (ctx) => (await import('./commands/finish.js')).run(ctx, ref, options), command)));

  define('history', () => withGlobalOptions(program.command('history'))
    .description('deployments, newest first')
    .option('--app <app>', 'only this application')
    .option('--env <env>', 'only this environment')
    .addOption(new Option('--status <status>', 'only this status').choices(statuses))
    .option('--since <duration|date>', 'only since then (7d, 1h30m, 2026-01-31)')
    .option('--limit <n>', 'at most this many (default 20)')
    .option('--all', 'every one, however many')
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

  define('track', () => withIntegrationOptions(withGlobalOptions(program.command('track')))
    .description('follow Kubernetes-backed deployments until each rollout completes or fails')
    .argument('[id...]', 'deployment ids or keys')
    .option('--all', 'every running Kubernetes deployment')
    .addOption(new Option('--app <app>', 'with --all: only this application; repeatable').argParser(collect))
    .addOption(new Option('--env <env>', 'with --all: only this environment; repeatable').argParser(collect))
    .option('--provider <provider>', 'with --all: only this provider (kubernetes)')
    .option('--unresolved', 'with --all: also the deployments earlier runs left timeout or stale')
    .option('--follow', 'keep running as a watcher, picking up new deployments as they are recorded')
    .option('--timeout <duration>', 'give up after this long; unresolved records become timeout')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster); each deployment uses the context it was recorded with')
    .option('--dotenv <file>', 'write SHIPLOG_KEY, SHIPLOG_STATUS, … of the deployment to this dotenv file (default: $SHIPLOG_DOTENV)')
    .option('--context <name>', 'kubeconfig context to use instead of the one each deployment was recorded with (it must reach the same API server)')
    .action((refs: string[], options, command: Command) => run(async (ctx) => (await import('./commands/track.js')).run(ctx, refs, options), command)));

  define('poll', () => withIntegrationOptions(withGlobalOptions(program.command('poll')))
    .description('follow NCP- or HTTP-backed deployments by polling their status until it is final')
    .argument('[id...]', 'deployment ids or keys')
    .option('--all', 'every running NCP or HTTP deployment')
    .addOption(new Option('--app <app>', 'with --all: only this application; repeatable').argParser(collect))
    .addOption(new Option('--env <env>', 'with --all: only this environment; repeatable').argParser(collect))
    .option('--provider <provider>', 'with --all: only this provider (ncp or http)')
    .option('--unresolved', 'with --all: also the deployments earlier runs left timeout or stale')
    .option('--interval <duration>', 'time between polls of one deployment (default 10s)')
    .option('--timeout <duration>', 'give up after this long; unresolved records become timeout (default 5m)')
    .option('--concurrency <n>', 'requests in flight at most (default 8)')
    .option('--dotenv <file>', 'write SHIPLOG_KEY, SHIPLOG_STATUS, … of the deployment to this dotenv file (default: $SHIPLOG_DOTENV)')
    .action((refs: string[], options, command: Command) => run(async (ctx) => (await import('./commands/poll.js')).run(ctx, refs, options), command)));

  define('rollback', () => withIntegrationOptions(withGlobalOptions(program.command('rollback')), { github: true })
    .description('replace what runs now, even a failed deploy, with the newest success before it (or --to), as a new record')
    .option('--app <app>', 'application name (required)')
    .option('--env <env>', 'environment name (required)')
    .option('--to <id|version>', 'the deployment or version to go back to')
    .option('--message <why>', 'why')
    .option('--wait', 'follow the rollback until it ends')
    .option('--timeout <duration>', 'give up following after this long')
    .option('--dry-run', 'say what would be deployed, change nothing')
    .option('--dotenv <file>', 'write SHIPLOG_KEY, SHIPLOG_STATUS, … of the deployment to this dotenv file (default: $SHIPLOG_DOTENV)')
    .option('--kubeconfig <file>', 'for a Kubernetes deployment: kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'for a Kubernetes deployment: kubeconfig context to use instead of the recorded one (it must reach the same API server)')
    .argument('[command...]', 'for a command-provider deployment: the command that rolls back, after --')
    .passThroughOptions()
    .action((argv: string[], options, command: Command) => run(async (ctx) => (await import('./commands/rollback.js')).run(ctx, options, argv), command)));

  define('cleanup', () => withGlobalOptions(program.command('cleanup'))
    .description('find duplicates, stale and old records; changes nothing without --apply')
    .option('--duplicates', 'records of one deployment written more than once')
    .option('--window <duration>', 'how close in time duplicates are (default 60s)')
    .option('--stale <duration>', 'running records older than this whose follower is gone')
    .option('--reconcile', 'ask the provider for the real outcome of stale records instead of marking them stale')
    .option('--kubeconfig <file>', 'with --reconcile: kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'with --reconcile: kubeconfig context to use instead of the one each deployment was recorded with')
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
    .option('--format <format>', 'text (default) or openmetrics (for Prometheus: a textfile collector, a Pushgateway)')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/stats.js')).run(ctx, options), command)));

  define('report', () => withGlobalOptions(program.command('report'))
    .description('one self-contained HTML page: what runs where, a timeline, DORA keys and their trend')
    .requiredOption('--html <file>', 'where to write the page')
    .option('--app <app>', 'only this application')
    .option('--env <env>', 'only this environment')
    .option('--since <duration|date>', 'only since then (default 30d)')
    .action((options, command: Command) => run(async (ctx) => (await import('./commands/report.js')).run(ctx, options), command)));

  define('import', () => withGlobalOptions(program.command('import'))
    .description("bring an existing history (klepaas, sbkube, or Helm's in a cluster) into the store; reads the source only")
    .addOption(new Option('--from <kind>', 'the tool that wrote the source').choices(['klepaas', 'sbkube', 'helm']).makeOptionMandatory())
    .argument('<file>', 'the source file; for helm, NAMESPACE or NAMESPACE/RELEASE')
    .option('--app <app>', 'application name for records that lack one')
    .option('--env <env>', 'environment name for records that lack one')
    .option('--kubeconfig <file>', 'for helm: kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'for helm: kubeconfig context')
    .action((file: string, options, command: Command) => run(async (ctx) => (await import('./commands/import.js')).run(ctx, file, options), command)));

  define('config', () => withGlobalOptions(program.command('config'))
    .description('the settings a command run here starts from (flags, environment, .shiplog.json, built-in) and where each came from')
    .option('--env <env>', "the environment whose section of the file applies (default: the file's env)")
    .action((_options, command: Command) => run(async (ctx) => (await import('./commands/config.js')).run(ctx, command), command)));

  define('completion', () => program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish); see docs/commands.md to install it')
    .addArgument(new Argument('<shell>', 'the shell').choices(completionShells))
    .action((shell: CompletionShell, _options, command: Command) =>
      run(async (ctx) => (await import('./commands/completion.js')).run(ctx, shell, () => buildProgram([], stdout, run)), command),
    ));

  // What the completion scripts ask while the user presses Tab: names from the store, read-only and silent.
  define('__complete', () => withGlobalOptions(program.command('__complete', { hidden: true }))
    .addArgument(new Argument('<kind>').choices(completionValueKinds))
    .action((kind: CompletionValueKind, _options, command: Command) => run(async (ctx) => (await import('./commands/complete.js')).run(ctx, kind), command)));

  const named = definitions.get(commandNamed(argv) ?? '');
  if (named) named();
  else for (const definition of definitions.values()) definition();

  // Always there, after the others in the list: `help X` (which defines them all) shows one command's help.
  program
    .command('help')
    .description('show the help of shiplog or of one command')
    .argument('[command]', 'the command')
    .action((name: string | undefined) => showHelp(program, name));
  return program;
}

/**
 * `shiplog help [COMMAND]`: the list of commands, or one command's help. A name that is no command is the error
 * `shiplog NAME` gives, with commander's suggestion of the nearest command.
 */
async function showHelp(program: Command, name: string | undefined): Promise<void> {
  if (name === undefined) program.help();
  const command = program.commands.find((candidate) => candidate.name() === name);
  if (command) command.help();
  await program.parseAsync([name], { from: 'user' });
}

function withGlobalOptions(command: Command): Command {
  return command
    .option('--db <path|url>', 'SQLite file or postgres:// URL (default: $SHIPLOG_DB, else ~/.local/share/shiplog/shiplog.db)')
    .option('--json', 'one JSON document on stdout')
    .option('--no-color', 'no ANSI colour')
    .option('--verbose', 'more detail on errors and progress');
}

/** Who hears of the status changes a command makes (src/integrations); each option also has its variable. */
function withIntegrationOptions(command: Command, offers: { github?: boolean } = {}): Command {
  command
    .addOption(
      new Option('--notify <url>', 'send each final outcome to this URL: JSON, or Slack format for hooks.slack.com or slack+https://…; env:VAR reads the URL from $VAR; repeatable')
        .env('SHIPLOG_NOTIFY')
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--grafana <url>', 'annotate the deployment in this Grafana when it starts and ends').env('SHIPLOG_GRAFANA_URL'))
    .option('--grafana-token <env:VAR>', 'the variable holding the Grafana service account token (default env:GRAFANA_TOKEN)');
  if (offers.github) command.option('--github', "mirror the deployment into GitHub's Deployments API ($GITHUB_TOKEN; $GITHUB_API_URL for GitHub Enterprise)");
  return command;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function outputFor(options: GlobalOptions, env: NodeJS.ProcessEnv, streams: StandardStreams): Output {
  return new Output({ json: options.json === true, colour: colourSetting(options.color !== false, env), verbose: options.verbose === true }, env, streams.stdout, streams.stderr);
}

/** Runs shiplog with the given arguments and resolves with the exit code; never throws. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: StandardStreams = { stdout: standardStream(1), stderr: standardStream(2) },
): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let out = outputFor({ json: argv.includes('--json'), verbose: argv.includes('--verbose'), color: !argv.includes('--no-color') }, env, streams);
  // A .shiplog.json is checked against every command's options, and `config` reports them all: both want the whole tree.
  const wholeTree = commandNamed(argv) === 'config' || findConfigFile(process.cwd(), env) !== undefined;
  const program = buildProgram(wholeTree ? [] : argv, streams.stdout, async (action, command) => {
    const fileDefaults = (await import('./config/file-defaults.js')).applyFileDefaults(command, env);
    const options = command.optsWithGlobals<GlobalOptions>();
    out = outputFor(options, env, streams);
    const { notify, grafana, grafanaToken, github } = options;
    exitCode = await fileDefaults.blame(() => action({ db: options.db ?? (env.SHIPLOG_DB || undefined), out, integrations: { notify, grafana, grafanaToken, github } }));
  });
  // The command whose help a usage error points at: the one commander is parsing when it finds the mistake.
  let commandName: string | undefined;
  program.hook('preSubcommand', (_program, subcommand) => {
    commandName = subcommand.name();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return ExitCode.ok;
    if (error instanceof CommanderError && error.code === 'commander.help') {
      // `shiplog` alone: the help, on stdout and exit 0, as kubectl, helm and gh do (commander writes it to stderr and exits 1).
      if (error.exitCode !== 0) program.outputHelp();
      return ExitCode.ok;
    }
    return reportError(out, error, commandName);
  }
}

function reportError(out: Output, error: unknown, commandName: string | undefined): ExitCodeValue {
  const failure = asShiplogError(error);
  const line = failure.message.replace(/\s*\n[\s\S]*$/, '');
  const message = isAboutCommandLine(error, failure.code) ? withHelpPointer(line, failure.code, commandName) : line;
  if (out.json) {
    out.stderr.write(`${JSON.stringify({ error: { code: failure.code, message } })}\n`);
  } else {
    out.stderr.write(`shiplog: ${printable(message)}${failure.code === 'internal' && !out.verbose ? ' (run with --verbose for the stack)' : ''}\n`);
  }
  if (out.verbose) {
    for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
      out.stderr.write(`${(cause as Error).stack ?? String(cause)}\n`);
    }
  }
  return failure.exitCode;
}

function asShiplogError(error: unknown): ShiplogError {
  if (error instanceof ShiplogError) return error;
  if (error instanceof CommanderError) return commandLineError(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new ShiplogError(`unexpected error: ${reason}`, ExitCode.failed, 'internal', { cause: error });
}
