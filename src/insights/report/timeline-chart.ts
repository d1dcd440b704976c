import type { Deployment } from '../../deployment/deployment.js';
import type { Span } from '../dora.js';
import { fixed } from './charts.js';
import { html, type Html } from './html.js';

/** One environment's row of the timeline: the deployments it shows, and how many the span holds. */
export interface Lane {
  env: string;
  /** Deployments of this environment in the span. */
  total: number;
  /** The newest of them, oldest first. */
  shown: Deployment[];
}

const width = 960;
const laneHeight = 34;
const labelWidth = 150;
const plotLeft = labelWidth + 10;
const plotRight = width - 12;
const axisHeight = 26;

/**
 * Deployments per environment along the span, one mark each: a circle for a change, a diamond for a rollback,
 * coloured by status. Each mark links to its details further down the page (#d-ID), which CSS shows on :target.
 */
export function timelineChart(lanes: readonly Lane[], span: Span): Html {
  const sinceMs = drawnSince(lanes, span);
  const spanMs = Math.max(span.untilMs - sinceMs, 1);
  const xOf = (iso: string) => plotLeft + ((Date.parse(iso) - sinceMs) / spanMs) * (plotRight - plotLeft);
  const height = lanes.length * laneHeight + axisHeight;
  const rows = lanes.map((lane, index) => {
    const y = index * laneHeight + laneHeight / 2;
    const note = lane.shown.length < lane.total ? `${lane.shown.length} newest of ${lane.total}` : `${lane.total}`;
    return html`<g class="lane" data-env="${lane.env}" data-total="${lane.total}">
<line x1="${plotLeft}" y1="${y}" x2="${plotRight}" y2="${y}" class="track"/>
<text x="0" y="${y - 2}" class="env">${lane.env}</text><text x="0" y="${y + 11}" class="count">${note}</text>
${lane.shown.map((d) => mark(d, xOf(d.createdAt), y))}</g>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => {
    const x = plotLeft + share * (plotRight - plotLeft);
    const at = new Date(sinceMs + share * spanMs).toISOString();
    const day = spanMs < 4 * dayMs ? `${at.slice(0, 10)} ${at.slice(11, 16)}` : at.slice(0, 10);
    const anchor = share === 0 ? 'start' : share === 1 ? 'end' : 'middle';
    return html`<text x="${fixed(x)}" y="${height - 8}" class="tick" text-anchor="${anchor}">${day}</text>`;
  });
  return html`<svg class="timeline" viewBox="0 0 ${width} ${height}" role="img" aria-label="deployments per environment over time">${rows}${ticks}</svg>`;
}

const dayMs = 86_400_000;

/**
 * Where the time axis starts: the span's start, or, when a lane shows only its newest deployments, the oldest one
 * drawn, so a busy environment's marks spread over the width instead of piling up at its right end.
 */
function drawnSince(lanes: readonly Lane[], span: Span): number {
  if (lanes.every((lane) => lane.shown.length === lane.total)) return span.sinceMs;
  return Math.min(...lanes.flatMap((lane) => lane.shown.map((d) => Date.parse(d.createdAt))));
}

function mark(d: Deployment, x: number, y: number): Html {
  const title = `${d.createdAt.slice(0, 16).replace('T', ' ')} UTC ${d.app} ${d.version ?? ''} ${d.status}${d.isRollback ? ' (rollback)' : ''}${d.rolledBackBy !== null ? ' (rolled back)' : ''}`;
  const shape = d.isRollback
    ? html`<path d="M${fixed(x)} ${y - 7}l7 7-7 7-7-7z"/>`
    : html`<circle cx="${fixed(x)}" cy="${y}" r="${d.status === 'failed' ? 6 : 4.5}"/>`;
  return html`<a href="#d-${d.id}" class="point ${d.status}${d.isRollback ? ' rollback' : ''}${d.rolledBackBy !== null ? ' rolled-back' : ''}" data-status="${d.status}"><title>${title}</title>${shape}</a>`;
}
