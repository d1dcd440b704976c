import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { formatDuration, parseDuration, parseSince } from '../src/timing/duration.js';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['45', 45_000],
    ['250ms', 250],
    ['1.5m', 90_000],
    ['1h30m', 5_400_000],
    ['5m0s', 300_000],
    ['1h0m0s', 3_600_000],
    ['2m30s500ms', 150_500],
    ['1d12h', 129_600_000],
    ['1w2d', 777_600_000],
    ['1.5h30s', 5_430_000],
    ['3m 05s', 185_000],
    ['2h 10m', 7_800_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it.each(['', 'soon', '5 minutes', '-5s', '5x', '1e3', '30m1h', '5m5m', '1h30', 'h30m', '1h-30m', '1h30m!', 'm', '1 h 30 x'])("'%s' is refused as a usage error naming the option", (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(UsageError);
    expect(() => parseDuration(text, '--timeout')).toThrow(/--timeout/);
  });

  it('--since takes a duration back from now or a date', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(parseSince('1d', now)).toBe('2026-11-21T12:00:00.000Z');
    expect(parseSince('2026-01-31T00:00:00Z', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(parseSince('1h30m', now)).toBe('2026-11-22T10:30:00.000Z');
    expect(() => parseSince('yesterday-ish', now)).toThrow(UsageError);
  });

  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [185_000, '3m 05s'],
    [7_800_000, '2h 10m'],
    [273_600_000, '3d 4h'],
  ])('%i ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([185_000, 7_800_000, 273_600_000])('what %i ms prints as is read back as the same time', (ms) => {
    expect(parseDuration(formatDuration(ms), '--timeout')).toBe(ms);
  });
});
