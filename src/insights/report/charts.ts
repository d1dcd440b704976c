import { html, type Html } from './html.js';

/** One column of a chart: its value (null where there was nothing to measure), the text a reader sees for it, and its label. */
export interface Column {
  label: string;
  value: number | null;
  text: string;
}

const width = 480;
const height = 170;
const top = 18;
const bottom = 130;
const left = 8;
const right = width - 8;

/**
 * Columns in an SVG drawn here rather than by a charting library: a handful of rectangles is a few hundred
 * bytes and needs no script in the page. Each column carries its value in data attributes and a native tooltip.
 * `labelEvery` thins the labels under many columns (a year of weeks).
 */
export function columnChart(title: string, columns: readonly Column[], options: { labelEvery?: number; kind: string }): Html {
  const max = Math.max(0, ...columns.map((c) => c.value ?? 0));
  const slot = (right - left) / Math.max(columns.length, 1);
  const barWidth = Math.max(slot * 0.75, 1);
  const every = options.labelEvery ?? 1;
  const bars = columns.map((column, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const middle = x + barWidth / 2;
    const showLabel = index % every === 0 || index === columns.length - 1;
    if (column.value === null) {
      return html`<g class="column empty" data-label="${column.label}"><title>${column.label}: ${column.text}</title>
<text x="${fixed(middle)}" y="${bottom - 4}" class="none">–</text>${showLabel ? label(middle, column.label) : null}</g>`;
    }
    const barHeight = max === 0 ? 0 : ((bottom - top) * column.value) / max;
    const y = bottom - barHeight;
    return html`<g class="column" data-label="${column.label}" data-value="${column.value}"><title>${column.label}: ${column.text}</title>
<rect x="${fixed(x)}" y="${fixed(y)}" width="${fixed(barWidth)}" height="${fixed(Math.max(barHeight, column.value > 0 ? 1 : 0))}"/>${slot >= 34 ? html`<text x="${fixed(middle)}" y="${fixed(y - 4)}" class="value">${column.text}</text>` : null}${showLabel ? label(middle, column.label) : null}</g>`;
  });
  return html`<figure class="chart ${options.kind}"><figcaption>${title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}"><line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" class="axis"/>${bars}</svg></figure>`;
}

function label(x: number, text: string): Html {
  return html`<text x="${fixed(x)}" y="${bottom + 16}" class="label">${text}</text>`;
}

/** Two decimals are finer than a pixel and keep the page small. */
export function fixed(value: number): string {
  return String(Math.round(value * 100) / 100);
}
