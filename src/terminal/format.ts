import type { Deployment, DeploymentEvent } from '../deployment/deployment.js';
import { formatDuration } from '../timing/duration.js';
import type { Output, Painted } from './output.js';
import { printable, printableAscii } from './printable.js';
import { cutEnd, displayWidth } from './width.js';

/** Local time, to the second, for people reading a terminal. */
export function localTime(iso: string | null): string {
  if (!iso) return '-';
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** A table cell: text from anywhere (escaped to one line here, and cut if its column must give way), or painted text shown as it is. */
export type Cell = string | Painted;

export interface TableFit {
  /** The columns the table may take (`out.columns`); undefined when it need not fit anything. */
  width: number | undefined;
  /** The free-text columns (by index) that give way when the table is too wide, the widest first. */
  cuttable: readonly number[];
}

/** A cut column keeps at least this many columns, or its title's width if that is more. */
const narrowestCut = 8;

/**
 * Lays rows out in columns, measured in display width (a Korean syllable takes two columns, a colour code none).
 * Every text cell is escaped to one line (a line break shows as ` ↵ `); when `fit` gives a width, the widest
 * free-text column is cut with `…` until the table fits.
 */
export function table(header: string[], rows: Cell[][], fit: TableFit = { width: undefined, cuttable: [] }): string {
  // Each cell is measured once: a status table has some 1,750 cells, and measuring is most of laying them out.
  // Plain loops over flat arrays: the table is laid out once per process, by code not yet optimised, where each
  // closure call and object per cell costs.
  const columns = header.length;
  const texts: string[] = [];
  const widths: number[] = [];
  const cuttableText: boolean[] = [];
  const columnWidths = header.map(displayWidth);
  // Most tables are printable ASCII throughout, which one test of all their text shows: each such cell is then
  // itself, as wide as it is long.
  const plainAscii = printableAscii.test(rows.map((row) => row.map((cell) => (typeof cell === 'string' ? cell : '')).join('')).join(''));
  for (const row of rows) {
    for (let column = 0; column < columns; column++) {
      const cell = row[column];
      const plain = typeof cell === 'string' && plainAscii;
      const text = cell === undefined ? '' : typeof cell === 'string' ? (plain ? cell : printable(cell)) : cell.painted;
      const width = plain ? text.length : displayWidth(text);
      texts.push(text);
      widths.push(width);
      cuttableText.push(typeof cell === 'string');
      if (width > columnWidths[column]!) columnWidths[column] = width;
    }
  }
  if (fit.width !== undefined) narrow(columnWidths, header, fit.width, fit.cuttable);
  const lines = [layOut(header, header.map(displayWidth), 0, columnWidths)];
  for (let column = 0; column < columns; column++) {
    if (!fit.cuttable.includes(column)) continue;
    for (let at = column; at < texts.length; at += columns) {
      if (cuttableText[at] && widths[at]! > columnWidths[column]!) {
        texts[at] = cutEnd(texts[at]!, columnWidths[column]!);
        widths[at] = displayWidth(texts[at]!);
      }
    }
  }
  for (let start = 0; start < texts.length; start += columns) lines.push(layOut(texts, widths, start, columnWidths));
  return lines.join('\n');
}

/** One row of the table: the cells from `start`, each padded to its column's width but the last. */
function layOut(texts: readonly string[], widths: readonly number[], start: number, columnWidths: readonly number[]): string {
  let line = '';
  const last = columnWidths.length - 1;
  for (let column = 0; column <= last; column++) {
    line += texts[start + column]!;
    if (column < last) line += ' '.repeat(Math.max(0, columnWidths[column]! - widths[start + column]!)) + '  ';
  }
  return line.trimEnd();
}

/** Narrows the widest cuttable column, then the next, until the row fits in `width` or none can give more. */
function narrow(widths: number[], header: string[], width: number, cuttable: readonly number[]): void {
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  const byWidth = [...cuttable].sort((a, b) => widths[b]! - widths[a]!);
  for (const column of byWidth) {
    const over = total() - width;
    if (over <= 0) return;
    const floor = Math.max(narrowestCut, displayWidth(header[column]!));
    widths[column] = Math.min(widths[column]!, Math.max(floor, widths[column]! - over));
  }
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
      out.statusCell(d.status),
      localTime(d.createdAt),
      d.durationMs === null ? '-' : formatDuration(d.durationMs),
      d.operator ?? '-',
      d.message ?? '',
    ]),
    { width: out.columns, cuttable: [8, 9] },
  );
}

/** Where a `show` value starts: continuation lines of a multi-line message or error are indented to it. */
const valueColumn = 17;

export function deploymentDetails(out: Output, d: Deployment, events: DeploymentEvent[] = []): string {
  const fields: [string, Cell | null][] = [
    ['id', `${d.id} (${d.key})`],
    ['app', d.app],
    ['env', d.env],
    ['status', out.statusCell(d.status)],
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
  const lines = fields
    .filter(([, value]) => value !== null && value !== '')
    .map(([name, value]) => `${`${name}:`.padEnd(valueColumn)}${shownValue(name, value!)}`);
  if (events.length > 0) {
    lines.push('', 'events:');
    lines.push(
      table(
        ['AT', 'FROM', 'TO', 'SOURCE', 'DETAIL'],
        events.map((e) => [localTime(e.at), e.from ?? '-', out.statusCell(e.to), e.source, e.detail ?? '']),
        { width: out.columns === undefined ? undefined : out.columns - 2, cuttable: [4] },
      ).replace(/^/gm, '  '),
    );
  }
  return lines.join('\n');
}

/** A message or an error keeps its lines, each under the first; any other text is one line. */
function shownValue(name: string, value: Cell): string {
  if (typeof value !== 'string') return value.painted;
  if (name !== 'message' && name !== 'error') return printable(value);
  return printable(value, 'block').replace(/\n/g, `\n${' '.repeat(valueColumn)}`);
}

/**
 * One line that says how a followed deployment ended (`dep_… web 1.4.0 -> prod: success in 42s`), with its
 * error on the next lines when it did not succeed: what deploy, track and poll print for humans.
 */
export function outcomeLine(out: Output, d: Deployment): string {
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  const what = printable([d.key, d.app, d.version ?? d.image ?? d.commitSha].filter(Boolean).join(' '));
  const error = d.error && d.status !== 'success' ? `\n  ${printable(d.error, 'block').replace(/\n/g, '\n  ')}` : '';
  return `${what} -> ${printable(d.env)}: ${out.status(d.status)}${took}${error}`;
}
