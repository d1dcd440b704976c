import { UsageError } from '../errors.js';
import { printable, unprintable } from '../terminal/printable.js';
import { isStatus, statuses, type Status } from './lifecycle.js';

/** What free text may hold besides printable characters: tabs and line breaks. */
const textAllowed = new Set(['\t', '\n', '\r']);

/** A value as an error message shows it: in quotes, each unprintable character written as its code, so the message stays one harmless line. */
export function quoted(value: string): string {
  return `'${printable(value, 'exact')}'`;
}

/** A name such as an app or environment: printable, no spaces at the ends, at most 200 characters. */
export function requireName(value: string | undefined, option: string): string {
  if (value === undefined || value.trim().length === 0) throw new UsageError(`${option} is required`, 'missing_option');
  if (value !== value.trim() || value.length > 200 || unprintable.test(value)) {
    throw new UsageError(`${option}: ${quoted(value)} is not a usable name; use letters, digits, '-', '_' or '.'`, 'bad_value');
  }
  return value;
}

/**
 * A value that names or identifies something (a version, a key, an image, who deployed): one line of printable
 * characters without spaces at its ends, since it is compared, shown in tables and pasted into commands.
 */
export function optionalIdentifier(value: string | undefined, option: string, max = 200): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`${option} is empty; give a value or leave ${option} out`, 'bad_value');
  if (value.length > max) throw new UsageError(`${option} is longer than ${max} characters`, 'bad_value');
  if (unprintable.test(value)) throw new UsageError(`${option}: ${quoted(value)} holds a line break or control character; give it on one line of printable characters`, 'bad_value');
  if (value !== value.trim()) throw new UsageError(`${option}: ${quoted(value)} has spaces at its ends; leave them out`, 'bad_value');
  return value;
}

/** Free text such as a message: it may run over several lines, but holds no other control character (no terminal escapes). */
export function optionalText(value: string | undefined, option: string, max = 2_000): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > max) throw new UsageError(`${option} is longer than ${max} characters`, 'bad_value');
  if ([...value].some((char) => unprintable.test(char) && !textAllowed.has(char))) {
    throw new UsageError(`${option} holds a control character other than a tab or line break; leave it out`, 'bad_value');
  }
  return value;
}

export function commitSha(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9a-f]{4,64}$/i.test(value)) throw new UsageError(`--commit: ${quoted(value)} is not a commit SHA (4 to 64 hex digits)`, 'bad_value');
  return value.toLowerCase();
}

/**
 * OWNER/NAME as GitHub writes it, or GROUP/SUBGROUP/NAME as GitLab does (CI_PROJECT_PATH): letters, digits, '.',
 * '_' and '-', the owner starting with a letter or digit, and no part that is only dots (a path, not a name).
 */
export function repoName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  const looksLikeRepo = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)+$/.test(value) && value.length <= 300 && parts.every((part) => !/^\.+$/.test(part));
  if (!looksLikeRepo) throw new UsageError(`--repo: ${quoted(value)} is not OWNER/NAME (letters, digits, '.', '_', '-')`, 'bad_value');
  return value;
}

export function status(value: string | undefined, option: string, allowed?: readonly Status[]): Status | undefined {
  if (value === undefined) return undefined;
  if (!isStatus(value) || (allowed && !allowed.includes(value))) {
    throw new UsageError(`${option}: ${quoted(value)} is not one of ${(allowed ?? statuses).join(', ')}`, 'bad_value');
  }
  return value;
}

export function positiveInteger(value: string | undefined, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${option}: ${quoted(value)} is not a whole number from 1 to ${max}`, 'bad_value');
  }
  return Number(value);
}
