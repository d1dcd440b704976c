import type { Deployment } from '../deployment/deployment.js';
import { commitRange, type CommitRange } from './commit-range.js';

/** One field that differs between two deployments; `target.NAME` for a key of the provider's details. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface DeploymentDiff {
  from: Deployment;
  to: Deployment;
  changes: FieldChange[];
  commits: CommitRange | null;
}

/** The fields that say what was deployed, where, how and by whom, in the order a reader wants them. */
const comparedFields = ['app', 'env', 'version', 'commitSha', 'repo', 'image', 'provider', 'operator', 'message'] as const;

/** What changed from one deployment to another: the differing fields, and the commit range where there is one. */
export function diffDeployments(from: Deployment, to: Deployment): DeploymentDiff {
  const changes: FieldChange[] = comparedFields
    .filter((field) => from[field] !== to[field])
    .map((field) => ({ field, from: from[field], to: to[field] }));
  changes.push(...targetChanges(from.target ?? {}, to.target ?? {}));
  return { from, to, changes, commits: commitRange(from, to) };
}

function targetChanges(from: Record<string, unknown>, to: Record<string, unknown>): FieldChange[] {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return names
    .filter((name) => JSON.stringify(from[name]) !== JSON.stringify(to[name]))
    .map((name) => ({ field: `target.${name}`, from: from[name] ?? null, to: to[name] ?? null }));
}
