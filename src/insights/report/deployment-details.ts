import type { Deployment, DeploymentEvent } from '../../deployment/deployment.js';
import { formatDuration } from '../../timing/duration.js';
import { html, type Html, type Interpolation } from './html.js';

/**
 * One deployment's details, which a timeline mark or a grid cell links to: hidden until its #d-ID is the page's
 * target. `linked` says which other deployments have details on the page, so a rollback links to what it replaced.
 */
export function deploymentDetails(d: Deployment, events: readonly DeploymentEvent[], linked: (id: number) => boolean): Html {
  const ref = (id: number | null) => (id === null ? null : linked(id) ? html`<a href="#d-${id}">#${id}</a>` : `#${id}`);
  const rows: [string, Interpolation][] = [
    ['key', d.key],
    ['version', d.version],
    ['commit', d.commitSha === null ? null : `${d.commitSha}${d.repo ? ` (${d.repo})` : ''}`],
    ['image', d.image],
    ['provider', d.provider],
    ['operator', d.operator],
    ['message', d.message === null ? null : html`<pre>${d.message}</pre>`],
    ['created', d.createdAt],
    ['completed', d.completedAt],
    ['duration', d.durationMs === null ? null : formatDuration(d.durationMs)],
    ['rollback of', ref(d.rollbackOf)],
    ['rolled back by', ref(d.rolledBackBy)],
    // Only web addresses become links: a javascript: URL in the store stays text.
    ['CI run', d.ciRunUrl === null ? null : /^https?:\/\//i.test(d.ciRunUrl) ? html`<a href="${d.ciRunUrl}" rel="noreferrer">open</a>` : d.ciRunUrl],
    ['error', d.error === null ? null : html`<pre>${d.error}</pre>`],
  ];
  return html`<article class="detail" id="d-${d.id}"><h3>#${d.id} ${d.app} ${d.env} ${d.version ?? ''}${d.isRollback ? ' (rollback)' : ''} <span class="status ${d.status}">${d.status}</span></h3>
<dl>${rows.filter(([, value]) => value !== null && value !== undefined).map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
<ol class="events">${events.map((e) => html`<li>${e.at} ${e.from === null ? '' : `${e.from} → `}${e.to} (${e.source})${e.detail === null ? '' : `: ${e.detail}`}</li>`)}</ol></article>`;
}
