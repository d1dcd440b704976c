import type { StatusChange } from '../db/status-changes.js';
import type { Deployment } from '../deployment/deployment.js';
import { isFinal } from '../deployment/lifecycle.js';
import { formatDuration } from '../timing/duration.js';
import type { IntegrationIo } from './integration-io.js';
import type { GrafanaReceiver } from './settings.js';

/** Where a record's start annotation is, so the process that sees it end turns it into a region. */
interface GrafanaAnnotation {
  url: string;
  annotationId: number;
}

/**
 * Marks deployments on Grafana's dashboards through its HTTP API (POST /api/annotations, an organization
 * annotation that dashboards pick up by tag). At the start, a point at `startedAt`; at the end the same annotation
 * becomes a region to `completedAt` (PATCH), or, when no start annotation of this Grafana is on record (another
 * process started it, or the start could not be posted), a new region from start to end. Tags: `shiplog`,
 * `app:APP`, `env:ENV`, `status:STATUS` (and `rollback`).
 */
export async function annotateInGrafana(change: StatusChange, grafana: GrafanaReceiver, io: IntegrationIo): Promise<void> {
  const { deployment, event } = change;
  if (event.to !== 'running' && !isFinal(event.to)) return;
  const what = `Grafana annotation of ${deployment.key} ${event.to}`;
  const headers = { Accept: 'application/json', Authorization: `Bearer ${grafana.token}` };
  const start = Date.parse(deployment.startedAt ?? deployment.createdAt);
  const fields = { tags: tags(deployment), text: text(deployment) };
  if (event.to === 'running') {
    const answer = await io.attempt(deployment, what, { method: 'POST', url: `${grafana.url}/api/annotations`, headers, body: { time: start, ...fields } });
    const id = answer && (JSON.parse(answer.body || '{}') as { id?: unknown }).id;
    if (typeof id === 'number') await io.saveTarget(deployment.id, 'grafana', { url: grafana.url, annotationId: id } satisfies GrafanaAnnotation);
    return;
  }
  const end = Date.parse(deployment.completedAt ?? event.at);
  const started = startAnnotation(io.targetOf(deployment), grafana.url);
  if (started) {
    await io.attempt(deployment, what, { method: 'PATCH', url: `${grafana.url}/api/annotations/${started.annotationId}`, headers, body: { timeEnd: end, ...fields } });
  } else {
    await io.attempt(deployment, what, { method: 'POST', url: `${grafana.url}/api/annotations`, headers, body: { time: start, timeEnd: end, ...fields } });
  }
}

function startAnnotation(target: Record<string, unknown> | null, url: string): GrafanaAnnotation | undefined {
  const grafana = target?.grafana as Partial<GrafanaAnnotation> | undefined;
  return grafana?.url === url && typeof grafana.annotationId === 'number' ? { url, annotationId: grafana.annotationId } : undefined;
}

function tags(d: Deployment): string[] {
  return ['shiplog', `app:${d.app}`, `env:${d.env}`, `status:${d.status}`, ...(d.isRollback ? ['rollback'] : [])];
}

/** One line a dashboard shows on hover: what went where, how it stands, the key, and the CI run to open. */
function text(d: Deployment): string {
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  const what = `${d.isRollback ? 'rollback of ' : ''}${d.app}${d.version ? ` ${d.version}` : ''} to ${d.env}`;
  return `${what}: ${d.status}${took} (${d.key})${d.ciRunUrl ? ` ${d.ciRunUrl}` : ''}`;
}
