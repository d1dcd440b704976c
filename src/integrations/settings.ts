import type { StatusChange } from '../db/status-changes.js';
import { isFinal, type Status } from '../deployment/lifecycle.js';
import { UsageError } from '../errors.js';

/** The integration options as commander parsed them (flags, their SHIPLOG_* variables, or the config file). */
export interface IntegrationOptions {
  notify?: string[];
  grafana?: string;
  grafanaToken?: string;
  github?: boolean;
}

/** A notification receiver. `url` may be the secret itself (a Slack webhook), so only `label` is ever printed. */
export interface NotifyReceiver {
  url: string;
  slack: boolean;
  /** How messages name it: `$VAR` when given as env:VAR, else its host, never its path or query. */
  label: string;
}

export interface GrafanaReceiver {
  /** The Grafana base URL, without a trailing slash. */
  url: string;
  token: string;
  label: string;
}

/** What this process tells the outside world about the status changes it makes. */
export interface IntegrationSettings {
  notify: NotifyReceiver[];
  grafana?: GrafanaReceiver;
  /** Mirror the deployments this process creates into GitHub's Deployments API. */
  github?: { apiUrl: string };
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const defaultGithubApiUrl = 'https://api.github.com';

/**
 * Reads the integration options before anything is written, so a bad one is exit 2 with nothing recorded. Values
 * given as `env:VAR` are read here; messages name the variable or the host, never a URL's path, a query or a token.
 */
export function readIntegrationSettings(options: IntegrationOptions | undefined, env: NodeJS.ProcessEnv = process.env): IntegrationSettings {
  const settings: IntegrationSettings = { notify: (options?.notify ?? []).flatMap((value) => value.split(/[\s,]+/)).filter(Boolean).map((value) => notifyReceiver(value, env)) };
  if (options?.grafana !== undefined) settings.grafana = grafanaReceiver(options.grafana, options.grafanaToken ?? 'env:GRAFANA_TOKEN', env);
  if (options?.github) {
    if (!env.GITHUB_TOKEN) throw new UsageError('--github needs a token with deployments write access in $GITHUB_TOKEN; set it or drop --github', 'github_token');
    settings.github = { apiUrl: httpUrl(env.GITHUB_API_URL || defaultGithubApiUrl, 'GITHUB_API_URL').replace(/\/+$/, '') };
  }
  return settings;
}

/**
 * A GitHub deployment is of a commit in a repository: `--github` on a deploy (or rollback) without both is exit 2,
 * before anything is recorded.
 */
export function requireGithubMirrorable(request: { repo?: string; commitSha?: string; isRollback?: boolean }): void {
  for (const [field, value, option] of [
    ['repository', request.repo, '--repo OWNER/NAME, or GITHUB_REPOSITORY in GitHub Actions'],
    ['commit', request.commitSha, '--commit SHA, or GITHUB_SHA in GitHub Actions'],
  ] as const) {
    if (value) continue;
    if (request.isRollback) throw new UsageError(`--github: the deployment rolled back to has no ${field} on record, so GitHub cannot be told of it; roll back without --github`, `github_${field}`);
    throw new UsageError(`--github needs the ${field} deployed: give ${option}`, `github_${field}`);
  }
}

/** Whether an integration has anything to do about this change: the cheap test made before any of them loads. */
export function concerns(settings: IntegrationSettings, change: StatusChange): boolean {
  const to = change.event.to;
  if (settings.notify.length > 0 && notifiable(to)) return true;
  if (settings.grafana && (to === 'running' || isFinal(to))) return true;
  if (settings.github && change.event.from === null) return true;
  return githubMirror(change.deployment.target) !== undefined;
}

/** Notifications go out for each final outcome, and for `timeout`: how a follower that gave up saw it end. */
export function notifiable(status: Status): boolean {
  return isFinal(status) || status === 'timeout';
}

/** Where a record's GitHub deployment is, kept in its target so any later process can post its statuses. */
export interface GithubMirror {
  deploymentId: number;
  apiUrl: string;
}

export function githubMirror(target: Record<string, unknown> | null): GithubMirror | undefined {
  const github = target?.github as Partial<GithubMirror> | undefined;
  if (typeof github?.deploymentId !== 'number' || typeof github.apiUrl !== 'string') return undefined;
  return { deploymentId: github.deploymentId, apiUrl: github.apiUrl };
}

function notifyReceiver(value: string, env: NodeJS.ProcessEnv): NotifyReceiver {
  const { text, label } = resolved(value, '--notify', env);
  const slackScheme = /^slack\+(https?:)/i.exec(text);
  const url = slackScheme ? text.slice('slack+'.length) : text;
  const parsed = parseUrl(url);
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new UsageError(`--notify ${label ?? 'value'}: not an http(s) URL; give https://…, slack+https://… or env:VAR`, 'bad_notify');
  }
  const slack = slackScheme !== null || parsed.hostname === 'hooks.slack.com';
  return { url, slack, label: label ?? parsed.host };
}

function grafanaReceiver(value: string, token: string, env: NodeJS.ProcessEnv): GrafanaReceiver {
  const parsed = parseUrl(value);
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new UsageError('--grafana: give the Grafana base URL, e.g. https://grafana.example.com', 'bad_grafana');
  if (parsed.username || parsed.password) {
    throw new UsageError('--grafana: the URL holds credentials; pass the token as --grafana-token env:VAR instead', 'bad_grafana');
  }
  const reference = /^env:(.*)$/.exec(token);
  if (!reference || !variableName.test(reference[1]!)) {
    throw new UsageError("--grafana-token: write env:VAR (e.g. env:GRAFANA_TOKEN) so the token stays out of the command line and the store", 'bad_grafana');
  }
  const name = reference[1]!;
  const secret = env[name];
  if (!secret) throw new UsageError(`--grafana needs a service account token: $${name} is not set`, 'bad_grafana');
  return { url: value.replace(/\/+$/, ''), token: secret, label: parsed.host };
}

/** A value as given, or the variable an `env:VAR` names; `label` is `$VAR` for the latter. */
function resolved(value: string, option: string, env: NodeJS.ProcessEnv): { text: string; label?: string } {
  if (!value.startsWith('env:')) return { text: value };
  const name = value.slice('env:'.length);
  if (!variableName.test(name)) throw new UsageError(`${option}: write env:VAR with a variable name (letters, digits, '_')`, 'bad_value');
  const text = env[name];
  if (!text) throw new UsageError(`${option} env:${name}: $${name} is not set; set it or drop the option`, 'bad_value');
  return { text: text.trim(), label: `$${name}` };
}

function httpUrl(value: string, name: string): string {
  const parsed = parseUrl(value);
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new UsageError(`${name}: not an http(s) URL`, 'bad_value');
  return value;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
