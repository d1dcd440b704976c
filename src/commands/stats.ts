import { withSmallSorts } from '../db/sort-memory.js';
import { wholeSpan } from '../db/span-filter.js';
import * as valid from '../deployment/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { readDeliveryFigures } from '../insights/delivery-figures.js';
import { deploymentCounts, type DeploymentCounts } from '../insights/deployment-counts.js';
import { eliteChangeFailureRate, eliteRecoveryMs } from '../insights/dora-tiers.js';
import { doraKeys, noDeliveries, type DoraKeys } from '../insights/dora.js';
import { openMetricsText } from '../insights/metrics/openmetrics.js';
import { countByTarget } from '../insights/metrics/target-counts.js';
import { localTime, table } from '../terminal/format.js';
import { formatDuration, parseSince } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface StatsOptions {
  app?: string;
  env?: string;
  since?: string;
  format?: string;
}

const formats = ['text', 'openmetrics'] as const;

export interface Stats extends DoraKeys {
  app: string | null;
  env: string | null;
  since: string;
  until: string;
  deployments: DeploymentCounts;
}

export async function run(ctx: CommandContext, options: StatsOptions): Promise<ExitCodeValue> {
  const app = options.app === undefined ? undefined : valid.requireName(options.app, '--app');
  const env = options.env === undefined ? undefined : valid.requireName(options.env, '--env');
  const format = options.format ?? 'text';
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError(`--format: ${valid.quoted(format)} is not a format; use ${formats.join(' or ')}`, 'bad_value');
  }
  if (format === 'openmetrics' && ctx.out.json) throw new UsageError('--json and --format openmetrics ask for two formats; give one of them', 'bad_value');
  const until = Date.now();
  const since = parseSince(options.since ?? '30d', until);
  const { figures, targets } = await withStore(
    ctx,
    (store) =>
      store.read((tx) =>
        withSmallSorts(tx, store.dialect.kind, async () => ({
          figures: (await readDeliveryFigures(tx, store.dialect.kind, { app, env, since }, 'span')).groups.get(wholeSpan) ?? noDeliveries,
          targets: format === 'openmetrics' ? await countByTarget(tx, { app, env }) : [],
        })),
      ),
    'read',
  );
  const span = { sinceMs: Date.parse(since), untilMs: until };
  const stats: Stats = {
    app: app ?? null,
    env: env ?? null,
    since,
    until: new Date(until).toISOString(),
    deployments: deploymentCounts(figures.counts),
    ...doraKeys(figures, span),
  };
  ctx.out.result(stats, () => (format === 'openmetrics' ? openMetricsText({ app: stats.app, env: stats.env, ...span, dora: stats, targets }) : statsText(stats)));
  return ExitCode.ok;
}

function statsText(stats: Stats): string {
  const scope = `${stats.app ?? 'all apps'} in ${stats.env ?? 'all environments'}, since ${localTime(stats.since)}`;
  const d = stats.deployments;
  const { deploymentFrequency: frequency, leadTime: lead, changeFailureRate: failure, timeToRestore: restore } = stats;
  const lines = [
    `${scope}: ${d.total} deployments (${d.success} success, ${d.failed} failed, ${d.cancelled} cancelled, ${d.unresolved} unresolved; ${d.rollbacks} rollbacks)`,
    '',
    table(
      ['KEY', 'VALUE', 'DORA 2024'],
      [
        ['deployment frequency', `${frequency.perDay.toFixed(2)} a day (${frequency.perWeek.toFixed(1)} a week, ${frequency.successful} successful)`, frequency.tier],
        ['lead time for changes', leadText(lead), lead.tier ?? '-'],
        ['change failure rate', failureText(failure), failure.tier ?? `elite is about ${eliteChangeFailureRate * 100}%`],
        ['time to restore', restoreText(restore), restore.tier ?? (restore.medianMs === null ? '-' : `elite is under ${formatDuration(eliteRecoveryMs)}`)],
      ],
    ),
  ];
  if (lead.note) lines.push('', `lead time is unknown for ${lead.unknown} ${lead.unknown === 1 ? 'change' : 'changes'}: ${lead.note}`);
  if (stats.env === null) lines.push('', 'DORA measures production: add --env to look at one environment');
  return lines.join('\n');
}

function leadText(lead: DoraKeys['leadTime']): string {
  if (lead.medianMs === null) return lead.unknown === 0 ? 'no changes' : `unknown for ${lead.unknown} changes`;
  return `${formatDuration(lead.medianMs)} median over ${lead.measured} changes${lead.unknown > 0 ? ` (${lead.unknown} unknown)` : ''}`;
}

function failureText(failure: DoraKeys['changeFailureRate']): string {
  if (failure.rate === null) return 'no finished changes';
  return `${(failure.rate * 100).toFixed(1)}% (${failure.failed} failed, ${failure.rolledBack} rolled back, of ${failure.changes})`;
}

function restoreText(restore: DoraKeys['timeToRestore']): string {
  if (restore.outages === 0) return 'no outages';
  const open = restore.outages - restore.restored;
  const median = restore.medianMs === null ? 'none restored yet' : `${formatDuration(restore.medianMs)} median`;
  return `${median} over ${restore.outages} outages${open > 0 ? ` (${open} not restored)` : ''}`;
}
