import type { EnvironmentSummary } from '../../db/environment-summaries.js';
import type { Deployment } from '../../deployment/deployment.js';
import { activeStatuses } from '../../deployment/lifecycle.js';
import { formatDuration } from '../../timing/duration.js';
import { html, type Html } from './html.js';
import { byCodePoint } from './report-model.js';

/**
 * What runs where now: apps down, environments across. A cell shows the last success's version, its age when the
 * page was made and who deployed it (linked to its details when the timeline has them), with marks for a rollback running there and for records still open or left
 * unresolved (timeout, stale).
 */
export function runsNowGrid(states: readonly EnvironmentSummary[], nowMs: number, linked: (id: number) => boolean): Html {
  if (states.length === 0) return html`<p class="empty">Nothing deployed yet.</p>`;
  const apps = [...new Set(states.map((s) => s.app))].sort(byCodePoint);
  const envs = [...new Set(states.map((s) => s.env))].sort(byCodePoint);
  const byPair = new Map(states.map((s) => [`${s.app}\u0000${s.env}`, s]));
  const rows = apps.map(
    (app) => html`<tr><th scope="row">${app}</th>${envs.map((env) => cell(byPair.get(`${app}\u0000${env}`), nowMs, linked))}</tr>`,
  );
  return html`<table class="grid"><thead><tr><th></th>${envs.map((env) => html`<th scope="col">${env}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

function cell(state: EnvironmentSummary | undefined, nowMs: number, linked: (id: number) => boolean): Html {
  if (!state) return html`<td class="cell none"></td>`;
  const { current, open } = state;
  const active = open.filter((d) => activeStatuses.includes(d.status));
  const unresolved = open.filter((d) => !activeStatuses.includes(d.status));
  const named = (shown: readonly Deployment[], all: number) => `${shown.map((d) => `${d.key} ${d.status}`).join(', ')}${all > shown.length ? ` and ${all - shown.length} more` : ''}`;
  const version = current ? (current.version ?? current.image ?? current.commitSha?.slice(0, 12) ?? current.key) : null;
  const at = current ? (current.completedAt ?? current.createdAt) : null;
  const marks = [
    current?.isRollback ? html`<span class="mark rollback" title="a rollback runs here">↩ rollback</span>` : null,
    unresolved.length > 0
      ? html`<a class="mark unresolved" href="#d-${unresolved[0]!.id}" title="${named(unresolved, state.unresolved)}">⚠ ${state.unresolved} unresolved</a>`
      : null,
    active.length > 0 ? html`<span class="mark active" title="${named(active, state.active)}">● ${state.active} in progress</span>` : null,
  ];
  return html`<td class="cell${current?.isRollback ? ' has-rollback' : ''}${unresolved.length > 0 ? ' has-unresolved' : ''}" data-app="${state.app}" data-env="${state.env}">
${current ? html`${linked(current.id) ? html`<a class="version" href="#d-${current.id}">${version}</a>` : html`<span class="version" title="${current.key}">${version}</span>`}<span class="age" title="${at}">${formatDuration(Math.max(nowMs - Date.parse(at!), 0))} ago</span><span class="by">${current.operator ?? ''}</span>` : html`<span class="version none">no success yet</span>`}
${marks}</td>`;
}
