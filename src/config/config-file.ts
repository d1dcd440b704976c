import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { JsonSyntaxError, parseLocatedJson, type LocatedJson, type Position } from './located-json.js';

export const configFileName = '.shiplog.json';
/** The key of the per-environment sections: `{"environments": {"production": {...}}}`. */
export const environmentsKey = 'environments';

/** One key of the file as written, with where it is, so a refusal can point at its line. */
export interface FileEntry {
  key: string;
  value: LocatedJson;
  at: Position;
  /** The environment section it was written in, if not at the top level. */
  environment?: string;
}

export interface ConfigFile {
  path: string;
  /** The top level's keys, `environments` aside. */
  entries: FileEntry[];
  /** Each environment's section, by environment name. */
  environments: Map<string, FileEntry[]>;
}

/**
 * The nearest `.shiplog.json` from `cwd` upwards. The walk ends at the repository's top (a directory holding
 * `.git`, a directory or a worktree's file) and at the home directory, each looked in too: a repository's
 * defaults are its own, and a file above it — in a shared parent, or in /tmp, where anyone may write — would
 * otherwise choose the store and the target of every deployment started beneath it.
 */
export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const home = resolve(env.HOME || homedir());
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, configFileName);
    if (existsSync(candidate)) return candidate;
    if (dir === home || existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

/** Reads and parses the file. A mistake is exit 2 naming the file, the line and the column. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); fix its permissions or remove it`, 'bad_config', { cause: error });
  }
  let root: LocatedJson;
  try {
    root = parseLocatedJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw configError(path, error.at, error.message);
  }
  if (root.kind !== 'object') throw configError(path, root.at, 'the file must hold one JSON object, such as {"app": "web"}');
  const file: ConfigFile = { path, entries: [], environments: new Map() };
  for (const member of root.members) {
    if (member.key !== environmentsKey) {
      file.entries.push({ key: member.key, value: member.value, at: member.keyAt });
      continue;
    }
    if (member.value.kind !== 'object') throw configError(path, member.value.at, `"${environmentsKey}" must be an object of sections by environment name, such as {"production": {"context": "prod"}}`);
    for (const section of member.value.members) {
      if (section.value.kind !== 'object') throw configError(path, section.value.at, `"${environmentsKey}.${section.key}" must be an object of settings`);
      file.environments.set(
        section.key,
        section.value.members.map((entry) => ({ key: entry.key, value: entry.value, at: entry.keyAt, environment: section.key })),
      );
    }
  }
  return file;
}

/** A refusal of the file's content: `FILE:LINE:COLUMN: what is wrong`, as compilers write it, so editors can jump there. */
export function configError(path: string, at: Position, message: string): UsageError {
  return new UsageError(`${path}:${at.line}:${at.column}: ${message}`, 'bad_config');
}
