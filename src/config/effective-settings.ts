import type { Command } from 'commander';
import { defaultSqlitePath } from '../db/store-spec.js';
import type { FileEntry } from './config-file.js';
import { chosenEnvironment, entriesFor, loadConfigFile } from './file-defaults.js';
import { optionsByKey, optionValue, variableFor } from './file-keys.js';
import { shownValue } from './shown-value.js';

/** Where a setting's value came from, highest first: flag > environment > file > built-in. */
export type SettingSource =
  | { source: 'flag'; flag: string }
  | { source: 'env'; variable: string }
  | { source: 'file'; file: string; line: number; environment?: string }
  | { source: 'built-in' }
  | { source: 'none' };

export type Setting = { value: string | boolean | string[] | null } & SettingSource;

export interface EffectiveSettings {
  /** The file read, or null when none was found. */
  file: string | null;
  /** The environment whose section of the file applies, if any. */
  environment: string | null;
  /** Every section the file has. */
  environments: string[];
  /** By key (an option's name without its dashes), secrets masked. */
  settings: Record<string, Setting>;
}

/** Shown even when nothing sets them: where the store is, and the app and environment a deploy would take. */
const alwaysShown = ['db', 'app', 'env'];

/**
 * The settings a command run here would start from, each with where it came from: the flags given to
 * `shiplog config` itself (`--db`, `--env`), the environment variables that stand for options, the file, the
 * built-in store. Values are masked as they would be in any message.
 */
export function effectiveSettings(command: Command, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): EffectiveSettings {
  let program = command;
  while (program.parent) program = program.parent;
  const byKey = optionsByKey(program);
  const file = loadConfigFile(program, cwd, env);
  const environment = file === undefined ? flagValue(command, 'env') : chosenEnvironment(command, file);
  const entries = file === undefined ? new Map<string, FileEntry>() : entriesFor(file, environment);
  const variableKeys = [...byKey.keys()].filter((key) => {
    const variable = variableFor(key, byKey.get(key)?.[0]?.option);
    return variable !== undefined && (env[variable] ?? '') !== '';
  });
  const settings: Record<string, Setting> = {};
  for (const key of new Set([...alwaysShown, ...entries.keys(), ...variableKeys])) {
    const setting = resolve(key);
    settings[key] = { ...setting, value: setting.value === null ? null : shownValue(key, setting.value) };
  }
  return { file: file?.path ?? null, environment: environment ?? null, environments: [...(file?.environments.keys() ?? [])], settings };

  function resolve(key: string): Setting {
    const flag = flagValue(command, key);
    if (flag !== undefined) return { value: flag, source: 'flag', flag: `--${key}` };
    const options = byKey.get(key) ?? [];
    const variable = variableFor(key, options[0]?.option);
    if (variable !== undefined && (env[variable] ?? '') !== '') return { value: env[variable]!, source: 'env', variable };
    const entry = entries.get(key);
    if (file !== undefined && entry !== undefined && options[0] !== undefined) {
      const where = { source: 'file', file: file.path, line: entry.at.line } as const;
      return { value: optionValue(file.path, entry, options[0].option), ...where, ...(entry.environment === undefined ? {} : { environment: entry.environment }) };
    }
    if (key === 'db') return { value: defaultSqlitePath(env), source: 'built-in' };
    return { value: null, source: 'none' };
  }
}

/** The value of an option given to this command on the command line (or before it, for global options). */
function flagValue(command: Command, key: string): string | undefined {
  const attribute = key.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  if (command.getOptionValueSourceWithGlobals(attribute) !== 'cli') return undefined;
  const value = command.optsWithGlobals<Record<string, unknown>>()[attribute];
  return typeof value === 'string' ? value : undefined;
}
