import type { OpenFilter } from '../db/deployments.js';
import type { ProviderName, Deployment } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import * as valid from '../deployment/validate.js';
import { UsageError, type ShiplogError } from '../errors.js';

/** The options `poll` and `track` choose deployments with, as commander parsed them. */
export interface SelectionOptions {
  all?: boolean;
  /** Repeatable: any of these applications. */
  app?: string[];
  /** Repeatable: any of these environments. */
  env?: string[];
  provider?: string;
  unresolved?: boolean;
}

/**
 * `--all`: the running deployments, since those are what a deploy that did not wait left behind; `timeout` and
 * `stale` ones from earlier runs only with `--unresolved`, so an old timeout of another app never holds up a CI
 * job on a shared store. A pending deployment has nothing to follow until its deploy has started it.
 */
const followedByAll: readonly Status[] = ['running'];
const unresolvedToo: readonly Status[] = ['running', 'timeout', 'stale'];

/**
 * What `--all` and its filters take, checked before the store is opened. `providers` are the ones the command
 * follows; `--provider` narrows them. Filters without `--all` are bad input: named deployments are followed
 * whatever their app, environment or status.
 */
export function openSelection(command: 'poll' | 'track', options: SelectionOptions, providers: readonly ProviderName[]): OpenFilter {
  const apps = (options.app ?? []).map((app) => valid.requireName(app, '--app'));
  const envs = (options.env ?? []).map((env) => valid.requireName(env, '--env'));
  if (!options.all && (apps.length > 0 || envs.length > 0 || options.provider !== undefined || options.unresolved)) {
    throw new UsageError(`--app, --env, --provider and --unresolved choose among open deployments: use them with --all, or name the deployments instead; see 'shiplog ${command} --help'`, 'bad_value');
  }
  return {
    providers: options.provider === undefined ? providers : [chosenProvider(command, options.provider, providers)],
    statuses: options.unresolved ? unresolvedToo : followedByAll,
    apps,
    envs,
  };
}

function chosenProvider(command: 'poll' | 'track', provider: string, providers: readonly ProviderName[]): ProviderName {
  const found = providers.find((name) => name === provider);
  if (found) return found;
  const other = command === 'poll' ? "'shiplog track' follows kubernetes ones" : "'shiplog poll' follows ncp and http ones";
  throw new UsageError(`--provider: ${valid.quoted(provider)} is not one ${command} follows (${providers.join(', ')}); ${other}`, 'bad_value');
}

/** The filters again, as a resume hint repeats them. */
export function selectionArgs(options: SelectionOptions): string {
  const args = ['--all'];
  for (const app of options.app ?? []) args.push('--app', shellWord(app));
  for (const env of options.env ?? []) args.push('--env', shellWord(env));
  if (options.provider !== undefined) args.push('--provider', shellWord(options.provider));
  if (options.unresolved) args.push('--unresolved');
  return args.join(' ');
}

/** A value as a shell reads it back: plain words as they are, others in single quotes. */
function shellWord(value: string): string {
  return /^[\w.,:@%+=/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The line that reports a deployment this process cannot follow (a header's variable unset, NCP keys missing, a
 * kubeconfig context that does not exist here) and leaves as it is, while the others are followed.
 */
export function unfollowableLine(deployment: Pick<Deployment, 'key' | 'app' | 'env' | 'status'>, error: ShiplogError): string {
  return `${deployment.key} ${deployment.app} -> ${deployment.env}: ${unfollowableOutcome(deployment, error)}`;
}

/** What became of a deployment that could not be followed, for a line that names it already. */
export function unfollowableOutcome(deployment: Pick<Deployment, 'key' | 'status'>, error: ShiplogError): string {
  // Some providers' messages start with the key already; it is said once.
  const reason = error.message.startsWith(`${deployment.key}: `) ? error.message.slice(deployment.key.length + 2) : error.message;
  return `not followed, left ${deployment.status}: ${reason}`;
}
