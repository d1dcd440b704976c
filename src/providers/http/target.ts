import { UsageError } from '../../errors.js';
import { serviceUrl } from '../../polling/service-url.js';
import { parseHeaderOptions, type StoredHeader } from './headers.js';
import { parseFieldPath, type StatusRule } from './status-meaning.js';

/** What an HTTP record keeps as its target: everything a later `poll` needs except secret header values. */
export interface HttpTarget extends StatusRule {
  url: string;
  headers: StoredHeader[];
}

export interface HttpOptions {
  statusUrl?: string;
  statusField?: string;
  successValues?: string;
  failureValues?: string;
  header?: string[];
}

export const defaultStatusField = 'status';
export const defaultSuccessValues = ['success', 'succeeded', 'successful', 'completed', 'complete', 'done', 'deployed'];
export const defaultFailureValues = ['failure', 'failed', 'error', 'errored', 'cancelled', 'canceled', 'aborted', 'rejected'];

/** The target `deploy --status-url` asks for, checked before anything is recorded, and the literal header values. */
export function httpTargetFromOptions(options: HttpOptions): { target: HttpTarget; literals: Map<string, string> } {
  if (options.statusUrl === undefined) {
    throw new UsageError('--status-field, --success-values, --failure-values and --header go with --status-url', 'missing_option');
  }
  const statusField = options.statusField ?? defaultStatusField;
  parseFieldPath(statusField);
  const successValues = valueList(options.successValues, '--success-values') ?? defaultSuccessValues;
  const failureValues = valueList(options.failureValues, '--failure-values') ?? defaultFailureValues;
  const both = successValues.filter((value) => failureValues.some((other) => other.toLowerCase() === value.toLowerCase()));
  if (both.length > 0) throw new UsageError(`'${both.join("', '")}' cannot mean both success and failure; adjust --success-values or --failure-values`, 'bad_value');
  const { stored, literals } = parseHeaderOptions(options.header ?? []);
  return { target: { url: serviceUrl(options.statusUrl, '--status-url'), statusField, successValues, failureValues, headers: stored }, literals };
}

/** The target of a recorded HTTP deployment; a usage error when the record does not hold one. */
export function recordedHttpTarget(key: string, target: Record<string, unknown> | null): HttpTarget {
  const { url, statusField, successValues, failureValues, headers } = target ?? {};
  const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');
  const storedHeaders = Array.isArray(headers) && headers.every((header) => typeof (header as { name?: unknown })?.name === 'string');
  if (typeof url !== 'string' || typeof statusField !== 'string' || !strings(successValues) || !strings(failureValues) || !storedHeaders) {
    throw new UsageError(`${key} has no usable status URL target to poll`, 'not_pollable');
  }
  return { url, statusField, successValues: successValues as string[], failureValues: failureValues as string[], headers: headers as StoredHeader[] };
}

function valueList(text: string | undefined, option: string): string[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((value) => value.trim()).filter((value) => value.length > 0);
  if (values.length === 0) throw new UsageError(`${option}: give at least one value, comma-separated`, 'bad_value');
  return values;
}
