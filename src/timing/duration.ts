import { quoted } from '../deployment/validate.js';
import { UsageError } from '../errors.js';

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** One part of a duration: a number and its unit (`ms` before `m`, so `5ms` is not five minutes and an `s`). */
const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*/y;

/**
 * The milliseconds a duration names, or undefined when the text is not one. A duration is a bare number of
 * seconds, or parts from the largest unit down, each unit once: `30s`, `5m`, `7d`, and Helm's and Go's compound
 * `1h30m`, `5m0s`, `1h0m0s` (also as shiplog prints them, `3m 05s`).
 */
function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * unitMs.s!;
  let ms = 0;
  let previousUnitMs = Infinity;
  part.lastIndex = 0;
  while (part.lastIndex < trimmed.length) {
    const match = part.exec(trimmed);
    if (!match) return undefined;
    const unit = unitMs[match[2]!]!;
    if (unit >= previousUnitMs) return undefined;
    previousUnitMs = unit;
    ms += Number(match[1]) * unit;
  }
  return ms;
}

/** Parses the contract's durations: `30s`, `5m`, `2h`, `7d`, compound `1h30m`; a bare number is seconds. */
export function parseDuration(text: string, optionName: string): number {
  const ms = durationMs(text);
  if (ms === undefined) {
    throw new UsageError(`${optionName}: ${quoted(text)} is not a duration; write it like 30s, 5m, 1h30m or 7d`, 'bad_duration');
  }
  if (!Number.isFinite(ms) || ms > 100 * 365 * unitMs.d!) {
    throw new UsageError(`${optionName}: ${quoted(text)} is too long a duration`, 'bad_duration');
  }
  return Math.round(ms);
}

/** A time limit: a duration, but never zero, since a limit of no time at all would give up before anything started. */
export function parseTimeLimit(text: string, optionName: string): number {
  const ms = parseDuration(text, optionName);
  if (ms === 0) throw new UsageError(`${optionName}: ${quoted(text)} is no time at all; give a limit such as 30s or 10m`, 'bad_duration');
  return ms;
}

/** Parses `--since`: a duration back from now, or a date/time. Returns an ISO-8601 UTC instant. */
export function parseSince(text: string, now = Date.now()): string {
  if (durationMs(text) !== undefined) {
    return new Date(now - parseDuration(text, '--since')).toISOString();
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    throw new UsageError(`--since: ${quoted(text)} is neither a duration (7d) nor a date (2026-01-31)`, 'bad_duration');
  }
  return new Date(at).toISOString();
}

/** Writes a duration for humans: `850ms`, `42s`, `3m 05s`, `2h 10m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
