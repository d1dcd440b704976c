import { formatDuration } from '../../timing/duration.js';
import { eliteChangeFailureRate, eliteRecoveryMs } from '../dora-tiers.js';
import { columnChart, type Column } from './charts.js';
import { deploymentDetails } from './deployment-details.js';
import type { Bucket } from './histogram.js';
import { html, type Html } from './html.js';
import type { ReportModel } from './report-model.js';
import { runsNowGrid } from './runs-now-grid.js';
import { timelineChart } from './timeline-chart.js';
import type { WeekKeys } from './weekly-trend.js';

/**
 * The report as one HTML document with everything inline. Its Content-Security-Policy allows inline styles and
 * nothing else: no script runs and nothing is fetched, so the page works offline, from a CI artifact, and
 * stays inert even if text from the store were ever let through unescaped.
 */
export function reportPage(model: ReportModel): string {
  const { span, counts: c } = model;
  const scope = `${model.app ?? 'all apps'} in ${model.env ?? 'all environments'}`;
  const since = new Date(span.sinceMs).toISOString();
  const until = new Date(span.untilMs).toISOString();
  const linked = (id: number) => model.detailed.has(id);
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shiplog report: ${scope}</title>
<style>${styles}</style></head>
<body>
<header><h1>shiplog report: ${scope}</h1>
<p class="span">from ${since} to ${until} (UTC)</p>
<p class="counts" data-total="${c.total}">${c.total} deployments: ${c.success} success, ${c.failed} failed, ${c.cancelled} cancelled, ${c.unresolved} unresolved; ${c.rollbacks} rollbacks</p></header>
<section id="now"><h2>What runs where now</h2>${runsNowGrid(model.states, span.untilMs, linked)}</section>
<section id="timeline"><h2>Deployments by environment</h2>
<p class="legend"><span class="key success">● success</span> <span class="key failed">● failed</span> <span class="key cancelled">● cancelled</span> <span class="key unresolved">● timeout, stale</span> <span class="key running">● pending, running</span> <span class="key">◆ rollback</span> <span class="key rolled-back">◯ rolled back</span>. Select a mark for its details.</p>
${model.lanes.some((lane) => lane.shown.length < lane.total) ? html`<p class="note">A busy span: each environment shows its newest deployments, from the oldest of them drawn on.</p>` : null}
${model.lanes.length === 0 ? html`<p class="empty">No deployments in this span.</p>` : timelineChart(model.lanes, span)}
<div class="details">${[...model.detailed.values()].map(({ deployment, events }) => deploymentDetails(deployment, events, linked))}</div></section>
<section id="dora"><h2>DORA's four keys</h2>${doraCards(model)}
<div class="charts">${weeklyCharts(model.weeks)}</div></section>
<section id="distributions"><h2>Distributions</h2>
<div class="charts">${distribution(`lead time for changes (${sum(model.leadTimes)} changes)`, model.leadTimes, 'lead-time')}${distribution(`deployment duration (${sum(model.durations)} ended success or failed)`, model.durations, 'duration')}</div>
${model.dora.leadTime.note ? html`<p class="note">Lead time is unknown for ${model.dora.leadTime.unknown} changes: ${model.dora.leadTime.note}.</p>` : null}</section>
<footer>Made by shiplog at ${until}. DORA tiers from the 2024 report; times are medians.</footer>
</body></html>
`;
  return page.markup;
}

function doraCards(model: ReportModel): Html {
  const { deploymentFrequency: frequency, leadTime: lead, changeFailureRate: failure, timeToRestore: restore } = model.dora;
  const card = (key: string, name: string, value: string, detail: string, tier: string | null) =>
    html`<div class="card" data-key="${key}"><h3>${name}</h3><p class="value">${value}</p><p class="sub">${detail}</p><p class="tier ${tier ?? 'none'}">${tier ?? '–'}</p></div>`;
  return html`<div class="cards">
${card('deployment-frequency', 'Deployment frequency', `${frequency.perDay.toFixed(2)} a day`, `${frequency.perWeek.toFixed(1)} a week, ${frequency.successful} successful changes`, frequency.tier)}
${card('lead-time', 'Lead time for changes', lead.medianMs === null ? 'unknown' : formatDuration(lead.medianMs), `median over ${lead.measured} changes${lead.unknown > 0 ? `, ${lead.unknown} unknown` : ''}`, lead.tier)}
${card('change-failure-rate', 'Change failure rate', failure.rate === null ? 'no finished changes' : `${(failure.rate * 100).toFixed(1)}%`, `${failure.failed} failed, ${failure.rolledBack} rolled back, of ${failure.changes}`, failure.tier ?? (failure.rate === null ? null : `elite is about ${eliteChangeFailureRate * 100}%`))}
${card('time-to-restore', 'Time to restore', restore.medianMs === null ? (restore.outages === 0 ? 'no outages' : 'none restored yet') : formatDuration(restore.medianMs), `${restore.outages} outages, ${restore.restored} restored`, restore.tier ?? (restore.medianMs === null ? null : `elite is under ${formatDuration(eliteRecoveryMs)}`))}
</div>`;
}

function weeklyCharts(weeks: readonly WeekKeys[]): Html[] {
  const labelEvery = Math.max(1, Math.ceil(weeks.length / 8));
  const chart = (title: string, kind: string, column: (week: WeekKeys) => Omit<Column, 'label'>) =>
    columnChart(title, weeks.map((week) => ({ label: week.week.slice(5), ...column(week) })), { labelEvery, kind: `weekly ${kind}` });
  const duration = (ms: number | null) => ({ value: ms, text: ms === null ? 'nothing measured' : formatDuration(ms) });
  return [
    chart('successful changes a week', 'frequency', (w) => ({ value: w.successful, text: String(w.successful) })),
    chart('lead time a week (median)', 'lead-time', (w) => duration(w.leadTimeMs)),
    chart('change failure rate a week', 'failure-rate', (w) =>
      w.changeFailureRate === null ? { value: null, text: 'no finished changes' } : { value: w.changeFailureRate * 100, text: `${Math.round(w.changeFailureRate * 100)}%` },
    ),
    chart('time to restore a week (median, by the week an outage began)', 'restore', (w) => duration(w.restoreMs)),
  ];
}

function distribution(title: string, buckets: readonly Bucket[], kind: string): Html {
  return columnChart(title, buckets.map((b) => ({ label: b.label, value: b.count, text: String(b.count) })), { kind: `distribution ${kind}` });
}

function sum(buckets: readonly Bucket[]): number {
  return buckets.reduce((total, b) => total + b.count, 0);
}

const styles = `
:root{--success:#2e7d32;--failed:#c62828;--cancelled:#757575;--unresolved:#ef6c00;--running:#1565c0;--line:#ddd;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fafafa}
body{max-width:1000px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:0 0 6px}
.span,.counts,.legend,.note,footer{color:#555;margin:2px 0}footer{margin-top:32px;font-size:12px}
table.grid{border-collapse:collapse;width:100%;background:#fff}table.grid th,table.grid td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
table.grid thead th{background:#f0f0f0}td.cell .version{display:block;font-weight:600;color:inherit;text-decoration:none}td.cell .age,td.cell .by{display:block;font-size:12px;color:#666}
.mark{display:inline-block;margin:3px 4px 0 0;padding:0 5px;border-radius:8px;font-size:12px;text-decoration:none}.mark.rollback{background:#fde7c8;color:#8a4b00}.mark.unresolved{background:#fdd;color:var(--failed)}.mark.active{background:#dde8fb;color:var(--running)}
td.has-rollback{background:#fff8ee}td.has-unresolved{background:#fff3f3}
svg{display:block;width:100%;height:auto;font-size:11px}svg text{fill:#444}
.timeline .track{stroke:var(--line)}.timeline .env{font-weight:600;font-size:12px}.timeline .count{fill:#777;font-size:10px}.timeline .tick{fill:#777}
.point{fill:var(--success);stroke:#fff;stroke-width:1}.point.failed{fill:var(--failed)}.point.cancelled{fill:var(--cancelled)}.point.timeout,.point.stale{fill:var(--unresolved)}.point.running,.point.pending{fill:var(--running)}
.point.rollback{stroke:#1d1d1f;stroke-width:1.5}.point.rolled-back{fill:#fff;stroke:var(--success);stroke-width:2}.point:hover{opacity:.7}
.key.success{color:var(--success)}.key.failed{color:var(--failed)}.key.cancelled{color:var(--cancelled)}.key.unresolved{color:var(--unresolved)}.key.running{color:var(--running)}
.detail{display:none;background:#fff;border:1px solid var(--line);border-left:4px solid var(--running);padding:10px 14px;margin:12px 0}.detail:target{display:block}
.detail dl{display:grid;grid-template-columns:130px 1fr;gap:2px 12px;margin:0 0 8px}.detail dt{color:#666}.detail dd{margin:0;overflow-wrap:anywhere}.detail pre{margin:0;white-space:pre-wrap;font:12px/1.4 ui-monospace,monospace}
ol.events{margin:0;padding-left:18px;font-size:12px;color:#444;white-space:pre-wrap}
.status.success{color:var(--success)}.status.failed{color:var(--failed)}.status.cancelled{color:var(--cancelled)}.status.timeout,.status.stale{color:var(--unresolved)}.status.running,.status.pending{color:var(--running)}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px}.card .value{font-size:20px;font-weight:600;margin:0}.card .sub{margin:2px 0;font-size:12px;color:#666}
.tier{display:inline-block;margin:4px 0 0;padding:0 6px;border-radius:8px;font-size:12px;background:#eee}.tier.elite{background:#d7f0d9;color:var(--success)}.tier.high{background:#e3ecfa;color:var(--running)}.tier.medium{background:#fdf0d5;color:#8a5a00}.tier.low{background:#fbe0e0;color:var(--failed)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:12px}figure.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px}figcaption{font-size:12px;color:#555}
.column rect{fill:#5b8def}.failure-rate .column rect{fill:var(--failed)}.restore .column rect{fill:var(--unresolved)}.distribution .column rect{fill:#7e57c2}
.column .value,.column .label,.column .none{text-anchor:middle}.column .label{fill:#777;font-size:10px}.axis{stroke:#bbb}
@media (max-width:760px){.cards,.charts{grid-template-columns:1fr 1fr}}
`;
