/**
 * `SHIPLOG_BENCH_SMOKE=1`: the bench runs at a tiny size, in seconds, and checks no goal, only that it still runs
 * end to end and that what it measured is right (every deployment settled, the store holds what was written).
 * test/benches.test.ts runs every bench this way, so a change that breaks one fails `npm test`.
 */
export const smoke = process.env.SHIPLOG_BENCH_SMOKE === '1';

/** The full size, or the tiny one in smoke mode. */
export function sized<T>(full: T, tiny: T): T {
  return smoke ? tiny : full;
}
