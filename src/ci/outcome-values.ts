import type { Deployment } from '../deployment/deployment.js';

/** A name and its value, as a CI system's output file takes them. */
export type OutcomeValue = readonly [name: string, value: string];

/**
 * What later steps of a CI job get to know about one deployment, in the order written: the values that are
 * known, unknown ones left out. `error` may run over several lines (a command's output tail); the others are
 * one line each.
 */
export function outcomeValues(d: Deployment): OutcomeValue[] {
  const all: [string, string | null][] = [
    ['key', d.key],
    ['id', String(d.id)],
    ['status', d.status],
    ['app', d.app],
    ['env', d.env],
    ['version', d.version],
    ['commit', d.commitSha],
    ['url', d.ciRunUrl],
    ['error', d.error],
  ];
  return all.filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== '');
}
