import { UsageError } from './errors.js';
import { isStatus, statuses, type Status } from './lifecycle.js';

/** A name such as an app or environment: printable, no spaces at the ends, at most 200 characters. */
export function requireName(value: string | undefined, option: string): string {
  if (value === undefined || value.trim().length === 0) throw new UsageError(`${option} is required`, 'missing_option');
  if (value !== value.trim() || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new UsageError(`${option}: ${JSON.stringify(value)} is not a usable name; use letters, digits, '-', '_' or '.'`, 'bad_value');
  }
  return value;
}

export function optionalText(value: string | undefined, option: string, max = 2_000): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > max) throw new UsageError(`${option} is longer than ${max} characters`, 'bad_value');
  if (/[\u0000]/.test(value)) throw new UsageError(`${option} contains a NUL character`, 'bad_value');
  return value;
}

export function commitSha(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9a-f]{4,64}$/i.test(value)) throw new UsageError(`--commit: '${value}' is not a commit SHA (4 to 64 hex digits)`, 'bad_value');
  return value.toLowerCase();
}

export function repoName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\w.-]+(\/[\w.-]+)+$/.test(value)) throw new UsageError(`--repo: '${value}' is not OWNER/NAME`, 'bad_value');
  return value;
}

export function status(value: string | undefined, option: string, allowed?: readonly Status[]): Status | undefined {
  if (value === undefined) return undefined;
  if (!isStatus(value) || (allowed && !allowed.includes(value))) {
    throw new UsageError(`${option}: '${value}' is not one of ${(allowed ?? statuses).join(', ')}`, 'bad_value');
  }
  return value;
}

export function positiveInteger(value: string | undefined, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${option}: '${value}' is not a whole number from 1 to ${max}`, 'bad_value');
  }
  return Number(value);
}
