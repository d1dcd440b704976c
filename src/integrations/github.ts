import { previousSuccess } from '../db/previous-success.js';
import type { StatusChange } from '../db/status-changes.js';
import type { Deployment } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import { formatDuration } from '../timing/duration.js';
import type { IntegrationIo } from './integration-io.js';
import { githubMirror, type GithubMirror, type IntegrationSettings } from './settings.js';

/** GitHub's deployment states for shiplog's statuses; `pending` has none: the deployment is created then. */
const githubStates: Partial<Record<Status, string>> = {
  running: 'in_progress',
  success: 'success',
  failed: 'failure',
  cancelled: 'error',
  timeout: 'error',
  stale: 'error',
};

/** The API version whose request shapes these are; GitHub Enterprise Server supports it too. */
const apiVersion = '2022-11-28';

/**
 * Mirrors a status change into GitHub's Deployments API. The deployment a `--github` deploy or rollback creates is
 * made when its record is (ref = the commit, environment = the shiplog env, payload = the shiplog key); its id and
 * the API's URL go into the record's target, so whichever process settles it later (poll, track, finish, cleanup)
 * posts the statuses. On success, the success it replaces gets `inactive`: GitHub's `auto_inactive` does that
 * only for non-production environments.
 */
export async function mirrorToGithub(change: StatusChange, settings: IntegrationSettings, io: IntegrationIo): Promise<void> {
  const { deployment, event } = change;
  let mirror = githubMirror(io.targetOf(deployment));
  if (!mirror && event.from === null && settings.github) mirror = await createDeployment(deployment, settings.github.apiUrl, io);
  const state = githubStates[event.to];
  if (!mirror || !state) return;
  const posted = await postStatus(deployment, mirror, state, statusDescription(deployment), io);
  if (!posted || event.to !== 'success') return;
  const replaced = await io.store.read((tx) => previousSuccess(tx, deployment));
  const replacedMirror = replaced && githubMirror(replaced.target);
  if (replaced && replacedMirror) await postStatus(replaced, replacedMirror, 'inactive', `replaced by ${deployment.key}`, io);
}

async function createDeployment(deployment: Deployment, apiUrl: string, io: IntegrationIo): Promise<GithubMirror | undefined> {
  const what = `GitHub deployment of ${deployment.key}`;
  const headers = await requestHeaders(what, deployment, io);
  if (!headers) return undefined;
  const answer = await io.attempt(deployment, what, {
    method: 'POST',
    url: `${apiUrl}/repos/${deployment.repo}/deployments`,
    headers,
    body: {
      ref: deployment.commitSha,
      environment: deployment.env,
      task: 'deploy',
      description: short(`${deployment.isRollback ? 'rollback of ' : ''}${deployment.app}${deployment.version ? ` ${deployment.version}` : ''}, recorded by shiplog`),
      // The commit was built and checked before it was deployed: GitHub must neither merge into it nor hold it back.
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      payload: { shiplog: { key: deployment.key, app: deployment.app, version: deployment.version, isRollback: deployment.isRollback } },
    },
  });
  if (!answer) return undefined;
  const id = (JSON.parse(answer.body || '{}') as { id?: unknown }).id;
  if (typeof id !== 'number') {
    await io.failed(deployment, what, `GitHub answered HTTP ${answer.status} without a deployment id`);
    return undefined;
  }
  const mirror = { deploymentId: id, apiUrl };
  await io.saveTarget(deployment.id, 'github', mirror);
  return mirror;
}

async function postStatus(deployment: Deployment, mirror: GithubMirror, state: string, description: string, io: IntegrationIo): Promise<boolean> {
  const what = `GitHub status ${state} of ${deployment.key}`;
  const headers = await requestHeaders(what, deployment, io);
  if (!headers) return false;
  const body: Record<string, unknown> = { state, description: short(description), auto_inactive: true };
  if (deployment.ciRunUrl) body.log_url = deployment.ciRunUrl;
  const answer = await io.attempt(deployment, what, {
    method: 'POST',
    url: `${mirror.apiUrl}/repos/${deployment.repo}/deployments/${mirror.deploymentId}/statuses`,
    headers,
    body,
  });
  return answer !== undefined;
}

/** GitHub's documented headers, with the token this process has; none (and the failure noted) without one. */
async function requestHeaders(what: string, deployment: Deployment, io: IntegrationIo): Promise<Record<string, string> | undefined> {
  const token = process.env.GITHUB_TOKEN;
  if (!token) {
    await io.failed(deployment, what, '$GITHUB_TOKEN is not set in this process');
    return undefined;
  }
  return { Accept: 'application/vnd.github+json', Authorization: `Bearer ${token}`, 'X-GitHub-Api-Version': apiVersion };
}

function statusDescription(d: Deployment): string {
  const what = `${d.app}${d.version ? ` ${d.version}` : ''}`;
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  if (d.status === 'running') return `${what}: running (${d.key})`;
  if (d.status === 'success') return `${what}: success${took} (${d.key})`;
  const why = d.error ? `: ${d.error.split('\n')[0]}` : '';
  return `${what}: ${d.status}${why}`;
}

/** GitHub refuses a description over 140 characters. */
function short(text: string): string {
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}
