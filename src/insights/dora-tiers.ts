/**
 * Where a team's numbers fall among the clusters of DORA's 2024 report. The report gives ranges for
 * deployment frequency and lead time, so those two get a tier. For change failure rate and recovery time it
 * gives one typical value per cluster, and not in order (medium fails less often than high), so those
 * two are only compared with the elite value rather than forced into a tier.
 */
export type Tier = 'elite' | 'high' | 'medium' | 'low';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Elite deploys on demand, several times a day; high daily to weekly; medium weekly to monthly; low less often. */
export function frequencyTier(successesPerDay: number): Tier {
  if (successesPerDay > 1) return 'elite';
  if (successesPerDay >= 1 / 7) return 'high';
  if (successesPerDay >= 1 / 30) return 'medium';
  return 'low';
}

/** Elite under a day; high under a week; medium under a month; low longer. */
export function leadTimeTier(medianMs: number): Tier {
  if (medianMs < dayMs) return 'elite';
  if (medianMs < 7 * dayMs) return 'high';
  if (medianMs < 30 * dayMs) return 'medium';
  return 'low';
}

export const eliteChangeFailureRate = 0.05;
export const eliteRecoveryMs = hourMs;

/** 'elite' at or under the elite cluster's typical rate (about 5%), else null: see the note above. */
export function changeFailureTier(rate: number): Tier | null {
  return rate <= eliteChangeFailureRate ? 'elite' : null;
}

/** 'elite' under an hour, else null: see the note above. */
export function recoveryTier(medianMs: number): Tier | null {
  return medianMs < eliteRecoveryMs ? 'elite' : null;
}
