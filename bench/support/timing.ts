import { timedRun, type NodeArgs, type RunCost } from './cli-runs.js';

export interface PairedSamples {
  subject: RunCost[];
  baseline: RunCost[];
}

export interface SampleCounts {
  warmups: number;
  runs: number;
}

/**
 * Times a subject against a baseline, alternating them run by run (and which goes first) so that noise on
 * the machine, a CPU frequency step or a neighbour's burst, falls on both alike. Warm-ups fill the page cache.
 */
export function timePaired(subject: NodeArgs, baseline: NodeArgs, counts: SampleCounts): PairedSamples {
  const samples: PairedSamples = { subject: [], baseline: [] };
  for (let round = 0; round < counts.warmups + counts.runs; round += 1) {
    const baselineFirst = round % 2 === 0;
    const first = timedRun(baselineFirst ? baseline : subject);
    const second = timedRun(baselineFirst ? subject : baseline);
    if (round < counts.warmups) continue;
    samples.baseline.push(baselineFirst ? first : second);
    samples.subject.push(baselineFirst ? second : first);
  }
  return samples;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Nearest-rank percentile (p in 0..1); with 21 samples p90 is the 19th fastest. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** Each subject run divided by the baseline run it was paired with: neighbours in time share the machine's state. */
export function pairedRatios(samples: PairedSamples, cost: (run: RunCost) => number): number[] {
  return samples.subject.map((run, i) => cost(run) / cost(samples.baseline[i]!));
}

/**
 * A distribution-free 95% confidence interval for the median, from order statistics: with n samples the true
 * median lies between the k-th smallest and the k-th largest, k the largest rank whose binomial tail
 * P(Bin(n, ½) < k) stays within 2.5%. With 21 samples: the 6th and the 16th. Noise on the machine widens it.
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 0;
  let below = 0;
  for (let rank = 0; rank < n; rank += 1) {
    below += binomial(n, rank) / 2 ** n;
    if (below > 0.025) break;
    k = rank + 1;
  }
  if (k === 0) return { low: sorted[0] ?? Number.NaN, high: sorted[n - 1] ?? Number.NaN };
  return { low: sorted[k - 1]!, high: sorted[n - k]! };
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return result;
}
