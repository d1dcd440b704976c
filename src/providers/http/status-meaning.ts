import { UsageError } from '../../errors.js';
import type { RemoteState } from '../../polling/remote-state.js';

/** How to read a status endpoint's JSON: where the status is, and which values end the deployment. */
export interface StatusRule {
  /** A dotted path (`status`, `deploy.state`, `items.0.phase`). */
  statusField: string;
  successValues: readonly string[];
  failureValues: readonly string[];
}

/** Checks a `--status-field` path: dot-separated names or array indexes, none empty. */
export function parseFieldPath(text: string): string[] {
  const parts = text.split('.');
  if (text.length > 200 || parts.some((part) => part.trim() === '' || part !== part.trim())) {
    throw new UsageError(`--status-field: '${text}' is not a path like status or deploy.state`, 'bad_value');
  }
  return parts;
}

/**
 * What one answer of a status endpoint means. A value in the success or failure list ends the deployment
 * (compared without regard to case); any other value is still running; no value, or one that is not a single
 * string, number or boolean, is unknown. Neither of the last two is ever a success.
 */
export function httpStatusMeaning(body: unknown, rule: StatusRule): RemoteState {
  const value = valueAt(body, parseFieldPath(rule.statusField));
  if (value === undefined || value === null) return { meaning: 'unknown', remote: '(none)', description: `no value at ${rule.statusField}` };
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return { meaning: 'unknown', remote: '(not a value)', description: `${rule.statusField} holds ${Array.isArray(value) ? 'a list' : 'an object'}, not a status` };
  }
  const remote = String(value);
  const word = remote.trim().toLowerCase();
  if (rule.successValues.some((candidate) => candidate.toLowerCase() === word)) return { meaning: 'success', remote, description: 'a success value' };
  if (rule.failureValues.some((candidate) => candidate.toLowerCase() === word)) return { meaning: 'failed', remote, description: 'a failure value' };
  return { meaning: 'running', remote, description: 'not final yet' };
}

function valueAt(body: unknown, path: readonly string[]): unknown {
  let here: unknown = body;
  for (const part of path) {
    if (Array.isArray(here) && /^\d+$/.test(part)) here = here[Number(part)];
    else if (typeof here === 'object' && here !== null && !Array.isArray(here) && Object.hasOwn(here, part)) here = (here as Record<string, unknown>)[part];
    else return undefined;
  }
  return here;
}
