import type { RunTimeColumn } from '../../db/deployment-weeks.js';
/** A distribution as a reader takes it in: counts in a few ranges of growing width, each with its label. */
export interface Bucket {
  label: string;
  count: number;
}

/** The ranges: each holds the values below its bound and at or above the previous one; the last is unbounded. */
export interface BucketEdge {
  label: string;
  belowMs: number;
}

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** How long a deployment ran, from start to end, in the ranges the store counts (runTimeRanges): seconds to hours. */
export const durationLabels: Record<RunTimeColumn, string> = {
  ran_under_30s: '< 30s',
  ran_under_1m: '30s–1m',
  ran_under_2m: '1–2m',
  ran_under_5m: '2–5m',
  ran_under_10m: '5–10m',
  ran_under_30m: '10–30m',
  ran_under_1h: '30m–1h',
  ran_1h_or_more: '≥ 1h',
};

/** From commit to success: hours to weeks, cut where DORA's tiers are (a day, a week, a month). */
export const leadTimeEdges: readonly BucketEdge[] = [
  { label: '< 1h', belowMs: hour },
  { label: '1–4h', belowMs: 4 * hour },
  { label: '4–12h', belowMs: 12 * hour },
  { label: '12h–1d', belowMs: day },
  { label: '1–3d', belowMs: 3 * day },
  { label: '3–7d', belowMs: 7 * day },
  { label: '1–4w', belowMs: 30 * day },
  { label: '≥ 30d', belowMs: Infinity },
];

export function histogram(valuesMs: readonly number[], edges: readonly BucketEdge[]): Bucket[] {
  const counts = edges.map(() => 0);
  for (const value of valuesMs) {
    const index = edges.findIndex((edge) => value < edge.belowMs);
    counts[index] = counts[index]! + 1;
  }
  return edges.map((edge, index) => ({ label: edge.label, count: counts[index]! }));
}
