import { EnvironmentError, UsageError } from '../../errors.js';

/**
 * A request header as the record keeps it: its name and where its value comes from, never the value. `env`
 * names a variable read by whichever process polls (with an optional scheme word before it, as in
 * `Authorization: Bearer env:TOKEN`); `notStored` marks a value given literally to `deploy`, which only that
 * process ever held.
 */
export type StoredHeader = { name: string; env: string; scheme?: string } | { name: string; notStored: true };

export interface ParsedHeaders {
  stored: StoredHeader[];
  /** Literal values by header name: in this process's memory only. */
  literals: Map<string, string>;
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const envReference = /^(?:([A-Za-z][\w.-]*) +)?env:([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Reads `--header 'Name: value'` options. Errors name the header, never its value, since the value may be the
 * very secret the user meant to pass.
 */
export function parseHeaderOptions(values: readonly string[]): ParsedHeaders {
  const stored: StoredHeader[] = [];
  const literals = new Map<string, string>();
  const seen = new Set<string>();
  for (const option of values) {
    const colon = option.indexOf(':');
    const name = colon > 0 ? option.slice(0, colon).trim() : '';
    if (!headerName.test(name)) throw new UsageError("--header: write it as 'Name: value' or 'Name: env:VAR', with a header name before the colon", 'bad_header');
    if (seen.has(name.toLowerCase())) throw new UsageError(`--header ${name} is given twice`, 'bad_header');
    seen.add(name.toLowerCase());
    const value = option.slice(colon + 1).trim();
    if (value === '') throw new UsageError(`--header ${name} has no value`, 'bad_header');
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value holds a line break or NUL`, 'bad_header');
    const reference = envReference.exec(value);
    if (reference) {
      stored.push(reference[1] ? { name, env: reference[2]!, scheme: reference[1] } : { name, env: reference[2]! });
    } else if (value.includes('env:')) {
      throw new UsageError(`--header ${name}: write env:VAR with a variable name (letters, digits, '_'), optionally after one scheme word: 'Bearer env:TOKEN'`, 'bad_header');
    } else {
      stored.push({ name, notStored: true });
      literals.set(name, value);
    }
  }
  return { stored, literals };
}

/**
 * The values to send, read now: each `env:` variable from `env`, each literal from this process's memory.
 * Exit 5 when a variable is unset or a literal value is not here (it was given to an earlier `deploy`).
 */
export function headerValues(
  stored: readonly StoredHeader[],
  literals: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
  owner?: string,
): Record<string, string> {
  const whose = owner ? `${owner}: ` : '';
  const values: Record<string, string> = {};
  for (const header of stored) {
    if ('env' in header) {
      const value = env[header.env];
      if (!value) throw new EnvironmentError(`${whose}header ${header.name} takes its value from $${header.env}, which is not set here; set it and run again`, 'header_env');
      if (/[\r\n\0]/.test(value)) throw new EnvironmentError(`${whose}$${header.env} holds a line break or NUL, which no header value may`, 'header_env');
      values[header.name] = header.scheme ? `${header.scheme} ${value}` : value;
    } else {
      const value = literals.get(header.name);
      if (value === undefined) {
        throw new EnvironmentError(
          `${whose}header ${header.name} was given to deploy as a literal value, which shiplog never stores, so this process cannot send it; deploy with --header '${header.name}: env:VAR' to poll later`,
          'header_not_stored',
        );
      }
      values[header.name] = value;
    }
  }
  return values;
}

/** How the headers read in a message: names and variables, never values. */
export function describeHeaders(stored: readonly StoredHeader[]): string {
  return stored.map((header) => ('env' in header ? `${header.name} from $${header.env}` : `${header.name} (literal)`)).join(', ');
}
