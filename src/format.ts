import type { Deployment, DeploymentEvent } from './deployment.js';
import { formatDuration } from './duration.js';
import type { Output } from './output.js';

/** Local time, to the second, for people reading a terminal. */
export function localTime(iso: string | null): string {
  if (!iso) return '-';
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** Lays rows out in columns; widths are measured without colour codes. */
export function table(header: string[], rows: string[][]): string {
  const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = header.map((title, column) => Math.max(visible(title), ...rows.map((row) => visible(row[column] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visible(cell)))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : '-';
}

export function historyTable(out: Output, deployments: Deployment[]): string {
  if (deployments.length === 0) return 'no deployments match';
  return table(
    ['ID', 'KEY', 'APP', 'ENV', 'VERSION', 'STATUS', 'CREATED', 'DURATION', 'OPERATOR', 'MESSAGE'],
    deployments.map((d) => [
      String(d.id),
      d.key,
      d.app,
      d.env,
      (d.version ?? shortSha(d.commitSha)) + (d.isRollback ? ' (rollback)' : ''),
      out.status(d.status),
      localTime(d.createdAt),
      d.durationMs === null ? '-' : formatDuration(d.durationMs),
      d.operator ?? '-',
      d.message ?? '',
    ]),
  );
}

export function deploymentDetails(out: Output, d: Deployment, events: DeploymentEvent[] = []): string {
  const fields: [string, string | null][] = [
    ['id', `${d.id} (${d.key})`],
    ['app', d.app],
    ['env', d.env],
    ['status', out.status(d.status)],
    ['version', d.version],
    ['commit', d.commitSha],
    ['repo', d.repo],
    ['image', d.image],
    ['provider', d.provider],
    ['target', d.target ? JSON.stringify(d.target) : null],
    ['rollback of', d.isRollback ? String(d.rollbackOf ?? '-') : null],
    ['rolled back by', d.rolledBackBy === null ? null : String(d.rolledBackBy)],
    ['operator', d.operator],
    ['message', d.message],
    ['ci run', d.ciRunUrl],
    ['idempotency key', d.idempotencyKey],
    ['created', localTime(d.createdAt)],
    ['started', d.startedAt ? localTime(d.startedAt) : null],
    ['completed', d.completedAt ? localTime(d.completedAt) : null],
    ['duration', d.durationMs === null ? null : formatDuration(d.durationMs)],
    ['error', d.error],
  ];
  const lines = fields.filter(([, value]) => value !== null && value !== '').map(([name, value]) => `${`${name}:`.padEnd(17)}${value}`);
  if (events.length > 0) {
    lines.push('', 'events:');
    lines.push(
      table(
        ['AT', 'FROM', 'TO', 'SOURCE', 'DETAIL'],
        events.map((e) => [localTime(e.at), e.from ?? '-', out.status(e.to), e.source, e.detail ?? '']),
      ).replace(/^/gm, '  '),
    );
  }
  return lines.join('\n');
}

/**
 * One line that says how a followed deployment ended (`dep_… web 1.4.0 -> prod: success in 42s`), with its
 * error on the next lines when it did not succeed: what deploy, track and poll print for humans.
 */
export function outcomeLine(out: Output, d: Deployment): string {
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  const what = [d.key, d.app, d.version ?? d.image ?? d.commitSha].filter(Boolean).join(' ');
  const error = d.error && d.status !== 'success' ? `\n  ${d.error.replace(/\n/g, '\n  ')}` : '';
  return `${what} -> ${d.env}: ${out.status(d.status)}${took}${error}`;
}
