import type { DoraKeys } from '../dora.js';
import type { TargetCounts } from './target-counts.js';

/** What the metrics describe: DORA's keys over a span, and the counts of each app and environment's whole history. */
export interface MetricsInput {
  app: string | null;
  env: string | null;
  sinceMs: number;
  untilMs: number;
  dora: DoraKeys;
  targets: readonly TargetCounts[];
}

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'info';
  unit?: string;
  help: string;
  samples: { suffix?: string; labels: Labels; value: number }[];
}

/**
 * The OpenMetrics text format (what Prometheus scrapes, and a Pushgateway or node_exporter's textfile collector
 * pass on), with Prometheus' naming: base units in the name (`_seconds`, `_ratio`), `_total` on counters.
 * Counters count the whole history, so they only grow (pruning aside) whatever --since says; DORA's keys are
 * gauges over the --since span, labelled with the --app/--env they were measured for.
 */
export function openMetricsText(input: MetricsInput): string {
  const scope: Labels = { ...(input.app === null ? {} : { app: input.app }), ...(input.env === null ? {} : { env: input.env }) };
  const { deploymentFrequency: frequency, leadTime: lead, changeFailureRate: failure, timeToRestore: restore } = input.dora;
  const target = (t: TargetCounts): Labels => ({ app: t.app, env: t.env });
  const families: Family[] = [
    {
      name: 'shiplog_deployments',
      type: 'counter',
      help: 'Deployments that ended, by final status, over the whole history.',
      samples: input.targets.flatMap((t) =>
        (['success', 'failed', 'cancelled'] as const).map((status) => ({ suffix: '_total', labels: { ...target(t), status }, value: t.byStatus[status] })),
      ),
    },
    {
      name: 'shiplog_active_deployments',
      type: 'gauge',
      help: 'Deployments pending or running now.',
      samples: input.targets.map((t) => ({ labels: target(t), value: t.byStatus.pending + t.byStatus.running })),
    },
    {
      name: 'shiplog_unresolved_deployments',
      type: 'gauge',
      help: 'Deployments left unresolved (timeout, stale) now: reconcile them with cleanup --reconcile.',
      samples: input.targets.map((t) => ({ labels: target(t), value: t.byStatus.timeout + t.byStatus.stale })),
    },
    {
      name: 'shiplog_last_success_timestamp_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'When the last successful deployment completed, in seconds since the epoch.',
      samples: input.targets.filter((t) => t.lastSuccessMs !== null).map((t) => ({ labels: target(t), value: t.lastSuccessMs! / 1000 })),
    },
    {
      name: 'shiplog_dora_window_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: "The span DORA's keys are measured over (stats --since).",
      samples: [{ labels: scope, value: (input.untilMs - input.sinceMs) / 1000 }],
    },
    {
      name: 'shiplog_dora_deployments_per_day',
      type: 'gauge',
      help: 'Deployment frequency: successful changes a day over the span, rollbacks left out.',
      samples: [{ labels: scope, value: frequency.perDay }],
    },
    {
      name: 'shiplog_dora_lead_time_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Lead time for changes: median from each commit to the first success that brought it, over changes whose commit time is known (absent when none).',
      samples: lead.medianMs === null ? [] : [{ labels: scope, value: lead.medianMs / 1000 }],
    },
    {
      name: 'shiplog_dora_change_failure_ratio',
      type: 'gauge',
      unit: 'ratio',
      help: 'Change failure rate: changes that failed or were rolled back, of those that ended success or failed (absent when none).',
      samples: failure.rate === null ? [] : [{ labels: scope, value: failure.rate }],
    },
    {
      name: 'shiplog_dora_time_to_restore_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Failed deployment recovery time: median outage length (absent when none was restored).',
      samples: restore.medianMs === null ? [] : [{ labels: scope, value: restore.medianMs / 1000 }],
    },
    {
      name: 'shiplog_dora',
      type: 'info',
      help: "Each key's tier in DORA's 2024 report, where one applies.",
      samples: (
        [
          ['deployment_frequency', frequency.tier],
          ['lead_time', lead.tier],
          ['change_failure_rate', failure.tier],
          ['time_to_restore', restore.tier],
        ] as const
      )
        .filter(([, tier]) => tier !== null)
        .map(([key, tier]) => ({ suffix: '_info', labels: { ...scope, key, tier: tier! }, value: 1 })),
    },
  ];
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${escape(family.help)}`);
    for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ''}${labelSet(sample.labels)} ${number(sample.value)}`);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function labelSet(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escape(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** OpenMetrics escapes backslash, double quote and line feed in label values and help text. */
function escape(text: string): string {
  return text.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

function number(value: number): string {
  return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}
