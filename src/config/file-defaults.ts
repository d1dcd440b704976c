import type { Command } from 'commander';
import { ExitCode, ShiplogError, UsageError } from '../errors.js';
import { configError, findConfigFile, readConfigFile, type ConfigFile, type FileEntry } from './config-file.js';
import { appliesTo, checkFileKeys, keyOf, optionValue, parsedOptionValue, variableFor } from './file-keys.js';
import { providerKeysLeftOut } from './provider-keys.js';

/** What the file gave one command. */
export interface FileDefaults {
  /** The file read, if one was found. */
  path: string | undefined;
  /** The keys whose values came from the file. */
  applied: FileEntry[];
  /**
   * Runs the command; a usage error about an option whose value came from the file also names the file and
   * line, since the user never typed the value the message quotes.
   */
  blame<T>(work: () => Promise<T>): Promise<T>;
}

/** The nearest `.shiplog.json`, read and checked against the program's options; undefined where there is none. */
export function loadConfigFile(program: Command, cwd: string, env: NodeJS.ProcessEnv): ConfigFile | undefined {
  const path = findConfigFile(cwd, env);
  if (path === undefined) return undefined;
  const file = readConfigFile(path);
  checkFileKeys(file, program);
  return file;
}

/**
 * The environment whose section applies: the `--env` given on the command line where it names the deployment
 * (deploy, rollback, config), else the file's own `env`.
 */
export function chosenEnvironment(command: Command, file: ConfigFile): string | undefined {
  const flag = command.opts<{ env?: unknown }>().env;
  if (command.getOptionValueSource('env') === 'cli' && appliesTo('env', command.name()) && typeof flag === 'string') return flag;
  const top = file.entries.find((entry) => entry.key === 'env');
  return top?.value.kind === 'string' ? top.value.value : undefined;
}

/** The file's entries for one environment: its section's keys over the top level's. */
export function entriesFor(file: ConfigFile, environment: string | undefined): Map<string, FileEntry> {
  const entries = new Map(file.entries.map((entry) => [entry.key, entry]));
  for (const entry of (environment === undefined ? undefined : file.environments.get(environment)) ?? []) entries.set(entry.key, entry);
  return entries;
}

/**
 * Gives `command` the file's values for the options the command line left out and no environment variable
 * stands in for: flags > environment > file > built-in. Any option added later takes its file default by its
 * name, with no change here. The values are set with commander's `config` source, so `getOptionValueSource`
 * tells them apart.
 */
export function applyFileDefaults(command: Command, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): FileDefaults {
  const program = rootOf(command);
  const file = loadConfigFile(program, cwd, env);
  const applied: FileEntry[] = [];
  if (file !== undefined) {
    const entries = entriesFor(file, chosenEnvironment(command, file));
    const leftOut = providerKeysLeftOut(command, new Set(entries.keys()));
    for (const option of command.options) {
      const key = keyOf(option);
      const entry = key === undefined ? undefined : entries.get(key);
      if (key === undefined || entry === undefined || !appliesTo(key, command.name()) || leftOut.has(key)) continue;
      const attribute = option.attributeName();
      const source = command.getOptionValueSourceWithGlobals(attribute);
      const variable = variableFor(key, option);
      if ((source !== undefined && source !== 'default') || (variable !== undefined && (env[variable] ?? '') !== '')) continue;
      command.setOptionValueWithSource(attribute, valueOf(file.path, entry, option), 'config');
      applied.push(entry);
    }
  }
  return {
    path: file?.path,
    applied,
    blame: async (work) => {
      try {
        return await work();
      } catch (error) {
        throw file === undefined ? error : blamed(error, file.path, applied);
      }
    },
  };
}

function valueOf(path: string, entry: FileEntry, option: Command['options'][number]): unknown {
  try {
    return parsedOptionValue(option, optionValue(path, entry, option));
  } catch (error) {
    if (error instanceof ShiplogError) throw error;
    throw configError(path, entry.at, `"${entry.key}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

function blamed(error: unknown, path: string, applied: readonly FileEntry[]): unknown {
  if (!(error instanceof ShiplogError) || error.exitCode !== ExitCode.usage) return error;
  const entry = applied.find((candidate) => new RegExp(`--${candidate.key}(?![\\w-])`).test(error.message));
  if (entry === undefined) return error;
  const section = entry.environment === undefined ? '' : `, section environments.${entry.environment}`;
  const [first, ...rest] = error.message.split('\n');
  return new UsageError([`${first} (--${entry.key} from ${path}:${entry.at.line}${section})`, ...rest].join('\n'), error.code, { cause: error });
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}
