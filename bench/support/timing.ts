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
