import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { configError, environmentsKey, type ConfigFile, type FileEntry } from './config-file.js';
import type { LocatedJson } from './located-json.js';

/**
 * Keys a file may not set: each is one run's value or decision (what is deployed, an idempotency key, --apply),
 * or the shape of the output a caller reads. As a default it would repeat silently in every run.
 */
const perRunKeys = new Set(['version', 'commit', 'image', 'key', 'operator', 'message', 'to', 'status', 'from', 'supersede', 'apply', 'fix', 'dry-run', 'all', 'follow', 'json', 'no-color']);
/** Keys that only narrow a listing: a file that hid records unasked would be trusted less than one that does not. */
const filterKeys = new Set(['provider']);
/**
 * `app` and `env` name the deployment for the commands listed; on the others (history, status, stats, poll and
 * track --all) they narrow a listing, which the file leaves to the command line. `config` shows them.
 */
const deploymentKeyCommands: Record<string, readonly string[]> = { app: ['deploy', 'rollback', 'config'], env: ['deploy', 'rollback', 'config'] };

/** Environment variables that stand for an option, read by the command when the option is not given; they outrank the file. */
const optionVariables: Record<string, string> = {
  db: 'SHIPLOG_DB',
  kubeconfig: 'KUBECONFIG',
  'ncp-endpoint': 'NCLOUD_SOURCEDEPLOY_ENDPOINT',
  notify: 'SHIPLOG_NOTIFY',
  dotenv: 'SHIPLOG_DOTENV',
};

/** A file key is the option's long name without its dashes: `status-url` for `--status-url`. */
export function keyOf(option: Option): string | undefined {
  return option.long?.replace(/^--/, '');
}

/** Whether the file's `key` gives the default of this command's option of that name. */
export function appliesTo(key: string, commandName: string): boolean {
  const commands = deploymentKeyCommands[key];
  return commands === undefined || commands.includes(commandName);
}

/** The environment variable that outranks the file for `key`, if one does. */
export function variableFor(key: string, option?: Option): string | undefined {
  return optionVariables[key] ?? option?.envVar;
}

/** Every option a file key can reach: the program's own and each command's, by key. */
export function optionsByKey(program: Command): Map<string, { command: string; option: Option }[]> {
  const byKey = new Map<string, { command: string; option: Option }[]>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) {
      const key = keyOf(option);
      if (key === undefined || (command === program && key === 'version')) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), { command: command.name(), option }]);
    }
  }
  return byKey;
}

/**
 * Refuses what the file must not hold, each refusal naming the file, line and column: an unknown key (a typo
 * silently ignored would leave a deployment to the built-in default), a key for one run only, a value of the
 * wrong kind. Values are checked further where the command reads them, as flags are.
 */
export function checkFileKeys(file: ConfigFile, program: Command): void {
  const byKey = optionsByKey(program);
  const sections = [...file.environments.values()];
  for (const entry of [...file.entries, ...sections.flat()]) {
    if (entry.environment !== undefined && (entry.key === 'env' || entry.key === environmentsKey)) {
      throw configError(file.path, entry.at, `"${entry.key}" cannot be set in the section of environment "${entry.environment}"; its name is the environment`);
    }
    const options = byKey.get(entry.key);
    if (options === undefined) throw configError(file.path, entry.at, unknownKeyMessage(entry.key, [...byKey.keys()]));
    if (perRunKeys.has(entry.key)) throw configError(file.path, entry.at, `"${entry.key}" belongs to one run, so a file cannot set it; give --${entry.key} on the command line`);
    if (filterKeys.has(entry.key)) throw configError(file.path, entry.at, `"${entry.key}" only narrows a listing, so a file does not set it; give --${entry.key} on the command line`);
    for (const { command, option } of options) {
      if (appliesTo(entry.key, command)) optionValue(file.path, entry, option);
    }
  }
}

/**
 * The file's value as commander would hold the option's: a string for an option with a value (a number is
 * taken as written, for `"timeout": 300`), true or false for a switch, a list for a repeatable option (one
 * string is a list of one; `header` may also be an object of names and values).
 */
export function optionValue(path: string, entry: FileEntry, option: Option): string | boolean | string[] {
  const { value } = entry;
  const where = entry.environment === undefined ? `"${entry.key}"` : `"${environmentsKey}.${entry.environment}.${entry.key}"`;
  if (option.isBoolean()) {
    if (value.kind !== 'boolean') throw configError(path, value.at, `${where} is a switch: write true or false`);
    return value.value;
  }
  if (repeatable(option)) {
    if (value.kind === 'array') return value.items.map((item) => scalar(path, item, `each item of ${where}`));
    if (value.kind === 'object' && entry.key === 'header') {
      return value.members.map((member) => `${member.key}: ${scalar(path, member.value, `"header.${member.key}"`)}`);
    }
    return [scalar(path, value, `${where} (or a list of them)`)];
  }
  const text = scalar(path, value, where);
  return takesPath(option) ? besideFile(path, text) : text;
}

/** Options whose argument is named `<path>` and is a file; `--status-field <path>` is a path in JSON instead. */
const filePathKeys = new Set(['db', 'backup']);

/** Whether the option's value is a file or directory: its argument says so (`--kubeconfig <file>`), or it is one of the `<path>` options that are. */
function takesPath(option: Option): boolean {
  return /<[^>]*\b(?:file|dir)\b[^>]*>/.test(option.flags) || filePathKeys.has(keyOf(option) ?? '');
}

/**
 * A relative path written in the file, taken from the file's directory: the file is found from any
 * subdirectory, and `"db": "deploys.db"` must name one store, not one in each directory shiplog runs in.
 */
function besideFile(path: string, value: string): string {
  if (value === '' || isAbsolute(value) || value.startsWith('~') || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return resolve(dirname(path), value);
}

/**
 * Whether the command line may give the option more than once to build a list: a list default, a variadic
 * option, or a parser of its own (which receives each value with the one before, as `collect` does).
 */
function repeatable(option: Option): boolean {
  return Array.isArray(option.defaultValue) || option.variadic || option.parseArg !== undefined;
}

/**
 * The value to give the option: the file's values through the option's own parser, one at a time from its
 * default, as commander does for flags, so a file's value meets the same checks as a flag's.
 */
export function parsedOptionValue(option: Option, value: string | boolean | string[]): unknown {
  if (option.parseArg === undefined || typeof value === 'boolean') return value;
  const parse = option.parseArg as (value: string, previous: unknown) => unknown;
  return (Array.isArray(value) ? value : [value]).reduce<unknown>((previous, item) => parse(item, previous), option.defaultValue);
}

function scalar(path: string, value: LocatedJson, where: string): string {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'number') return String(value.value);
  throw configError(path, value.at, `${where} must be a string${value.kind === 'null' ? '; leave the key out for no value' : ''}`);
}

/** Words users write for a setting whose key is another: the issue's "store" is `db`, a Deployment's namespace `k8s`. */
const keyAliases: Record<string, string> = { store: 'db', database: 'db', namespace: 'k8s', deployment: 'k8s', environment: 'env', application: 'app' };

function unknownKeyMessage(key: string, known: string[]): string {
  const kebab = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  const nearest = known.map((name) => ({ name, distance: editDistance(name, kebab) })).sort((a, b) => a.distance - b.distance)[0];
  const closest = keyAliases[kebab] ?? (nearest !== undefined && nearest.distance <= Math.min(2, kebab.length - 1) ? nearest.name : undefined);
  const hint = closest === undefined ? 'keys are the names of command options without their dashes (docs/commands.md, "Configuration file")' : `did you mean "${closest}"?`;
  return `unknown key "${key}": ${hint}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
