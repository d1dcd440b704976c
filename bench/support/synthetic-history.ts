import type { Selectable } from 'kysely';
import type { DeploymentEventsTable, DeploymentsTable } from '../../src/db/schema.js';
import type { ProviderName } from '../../src/deployment/deployment.js';
import { ulid } from '../../src/deployment/ids.js';
import type { EventSource, Status } from '../../src/deployment/lifecycle.js';

/** One deployments row as the seeders insert it, with an explicit id so events and rollbacks can point at it. */
export type SeedDeployment = Omit<Selectable<DeploymentsTable>, 'lease_owner' | 'heartbeat_at'>;

export type SeedEvent = Omit<Selectable<DeploymentEventsTable>, 'id'>;

export interface SyntheticHistory {
  deployments: SeedDeployment[];
  events: SeedEvent[];
  apps: string[];
  envs: string[];
}

export interface HistoryShape {
  apps: number;
  envs: readonly string[];
  deployments: number;
  /** How far back the oldest deployment is. */
  spanDays: number;
}

const operators = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'github-actions[bot]'];

/** Deterministic, so two runs seed the same store and their figures compare. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Stream {
  /** The last success: what runs there now, and what a rollback would replace. */
  current: SeedDeployment | undefined;
  /** The success before it: what a rollback would bring back. */
  previous: SeedDeployment | undefined;
  last: SeedDeployment | undefined;
}

/**
 * A year of deployments that look like a busy team's: mostly successes with some failures and cancellations,
 * a few rollbacks, every provider, CI metadata on most, and 2-3 events each. The newest deployment of a few
 * app/environment pairs is left open (running, timeout) so `status` has something to show.
 */
export function syntheticHistory(shape: HistoryShape, now = Date.now()): SyntheticHistory {
  const random = seededRandom(20_251_122);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const commitSha = () => Array.from({ length: 5 }, () => Math.floor(random() * 4_294_967_296).toString(16).padStart(8, '0')).join('');
  const apps = Array.from({ length: shape.apps }, (_, index) => `svc-${String(index + 1).padStart(2, '0')}`);
  const envs = [...shape.envs];
  const streams = new Map<string, Stream>();
  const releases = new Map<string, number>();
  const deployments: SeedDeployment[] = [];
  const events: SeedEvent[] = [];
  const spanMs = shape.spanDays * 86_400_000;
  const stepMs = spanMs / shape.deployments;
  const start = now - spanMs;

  for (let index = 0; index < shape.deployments; index += 1) {
    const id = index + 1;
    const app = pick(apps);
    const env = pick(envs);
    const streamName = `${app}/${env}`;
    const stream = streams.get(streamName) ?? { current: undefined, previous: undefined, last: undefined };
    streams.set(streamName, stream);
    const createdMs = Math.floor(start + index * stepMs + random() * stepMs * 0.9);
    const startedMs = createdMs + Math.floor(random() * 3_000);
    const completedMs = startedMs + 20_000 + Math.floor(random() * 600_000);

    const isRollback = stream.current !== undefined && stream.previous !== undefined && random() < 0.01;
    let version: string | null;
    if (isRollback) {
      version = stream.previous!.version;
    } else {
      const release = (releases.get(app) ?? 0) + (env === envs[0] ? 1 : 0);
      releases.set(app, release);
      version = `1.${Math.floor(release / 20)}.${release % 20}`;
    }
    const roll = random();
    const status: Status = roll < 0.88 ? 'success' : roll < 0.96 ? 'failed' : 'cancelled';
    const provider: ProviderName = pick(['command', 'command', 'kubernetes', 'kubernetes', 'kubernetes', 'ncp', 'http', 'manual']);
    const runId = 9_000_000_000 + index * 7;
    const fromCi = random() < 0.7;
    const deployment: SeedDeployment = {
      id,
      key: `dep_${ulid(createdMs)}`,
      app,
      env,
      version,
      commit_sha: commitSha(),
      repo: `acme/${app}`,
      image: provider === 'kubernetes' ? `registry.acme.dev/${app}:${version}` : null,
      provider,
      target: targetOf(provider, app, env, runId),
      status,
      is_rollback: isRollback ? 1 : 0,
      rollback_of: isRollback ? stream.current!.id : null,
      rolled_back_by: null,
      operator: fromCi ? 'github-actions[bot]' : pick(operators),
      message: isRollback ? `roll back ${stream.current!.version}: error rate up` : random() < 0.3 ? `release ${version}` : null,
      ci_run_url: fromCi ? `https://github.com/acme/${app}/actions/runs/${runId}` : null,
      idempotency_key: fromCi ? `gh-${runId}-1` : null,
      created_at: new Date(createdMs).toISOString(),
      started_at: new Date(startedMs).toISOString(),
      completed_at: new Date(completedMs).toISOString(),
      error: status === 'failed' ? `exit status 1\nError: readiness probe failed for ${app} (${version})` : status === 'cancelled' ? 'cancelled by hand' : null,
    };
    deployments.push(deployment);
    events.push(...eventsOf(deployment));

    stream.last = deployment;
    if (status === 'success') {
      if (isRollback) stream.current!.rolled_back_by = id;
      stream.previous = isRollback ? undefined : stream.current;
      stream.current = deployment;
    }
  }

  leaveOpen([...streams.values()].slice(0, 6), 'running', events);
  leaveOpen([...streams.values()].slice(6, 8), 'timeout', events);
  return { deployments, events, apps, envs };
}

function targetOf(provider: ProviderName, app: string, env: string, runId: number): string | null {
  switch (provider) {
    case 'command':
      return JSON.stringify({ command: './deploy.sh' });
    case 'kubernetes':
      return JSON.stringify({ namespace: env, name: app, container: app });
    case 'helm':
      return JSON.stringify({ namespace: env, release: app, revision: runId % 1_000 });
    case 'ncp':
      return JSON.stringify({ projectId: '1042', stageId: '3', scenarioId: '7', ncpDeployId: String(runId % 1_000_000) });
    case 'http':
      return JSON.stringify({ statusUrl: `https://deploy.acme.dev/api/runs/${runId}`, statusField: 'state' });
    case 'manual':
      return null;
  }
}

/** Who settles a deployment of each provider, as the event's source. */
const followerSource: Record<ProviderName, EventSource> = { command: 'command', kubernetes: 'watch', helm: 'poll', ncp: 'poll', http: 'poll', manual: 'cli' };

/** The events a deployment's life writes: its creation, its start where a provider starts it, its end. */
function eventsOf(d: SeedDeployment): SeedEvent[] {
  const follower = followerSource[d.provider];
  const created: SeedEvent = { deployment_id: d.id, at: d.created_at, from_status: null, to_status: d.provider === 'manual' ? 'running' : 'pending', source: 'cli', detail: d.message };
  const started: SeedEvent[] = d.provider === 'manual' ? [] : [{ deployment_id: d.id, at: d.started_at!, from_status: 'pending', to_status: 'running', source: follower, detail: 'started' }];
  const ended: SeedEvent = { deployment_id: d.id, at: d.completed_at!, from_status: 'running', to_status: d.status, source: d.status === 'cancelled' ? 'cli' : follower, detail: d.error?.split('\n')[0] ?? null };
  return [created, ...started, ended];
}

/**
 * Turns the newest deployment of each stream back into an open one: a running one loses its end event, a
 * timed-out one ends in `timeout` instead. Rollbacks are left alone, since a successful one already marked
 * the deployment it replaced.
 */
function leaveOpen(streams: Stream[], status: Extract<Status, 'running' | 'timeout'>, events: SeedEvent[]): void {
  for (const { last } of streams) {
    if (!last || last.is_rollback === 1) continue;
    let end = events.length - 1;
    while (events[end]!.deployment_id !== last.id || events[end]!.from_status !== 'running') end -= 1;
    if (status === 'running') {
      events.splice(end, 1);
    } else {
      events[end] = { ...events[end]!, to_status: 'timeout', detail: 'gave up following after 5m' };
    }
    last.status = status;
    last.completed_at = null;
    last.error = status === 'timeout' ? 'not resolved in 5m' : null;
  }
}
