import type { Deployment } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import { formatDuration } from '../timing/duration.js';
import { markdownLink, markdownText } from './markdown.js';

const marks: Record<Status, string> = {
  success: '✅',
  failed: '❌',
  cancelled: '⛔',
  timeout: '⏱️',
  stale: '❔',
  running: '🔄',
  pending: '⏳',
};

/** How much of a deployment's error the summary shows; the record keeps all of it. */
const errorShown = 1_000;

/**
 * The Markdown that GitHub Actions shows on a run's summary page for the deployments a command handled: a heading,
 * one table with a row per deployment (app, environment, version, outcome, duration, commit, link to the CI run
 * that made it), and the error of each that did not succeed. `server` is the GitHub that links to commits go to.
 */
export function stepSummary(deployments: readonly Deployment[], server: string): string {
  const lines = [`### ${heading(deployments)}`, '', '| Deployment | App | Environment | Version | Outcome | Duration | Commit | CI run |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const d of deployments) {
    const version = d.version === null ? '-' : markdownText(d.version) + (d.isRollback ? ' (rollback)' : '');
    const commit = d.commitSha === null ? '-' : d.repo ? markdownLink(`\`${d.commitSha.slice(0, 7)}\``, `${server}/${d.repo}/commit/${d.commitSha}`) : `\`${d.commitSha.slice(0, 7)}\``;
    const run = d.ciRunUrl === null ? '-' : markdownLink('run', d.ciRunUrl);
    const took = d.durationMs === null ? '-' : formatDuration(d.durationMs);
    lines.push(`| ${markdownText(d.key)} | ${markdownText(d.app)} | ${markdownText(d.env)} | ${version} | ${marks[d.status]} ${d.status} | ${took} | ${commit} | ${run} |`);
  }
  const failures = deployments.filter((d) => d.status !== 'success' && d.error);
  if (failures.length > 0) lines.push('');
  for (const d of failures) {
    const error = d.error!.length > errorShown ? `${d.error!.slice(0, errorShown)}…` : d.error!;
    lines.push(`- **${markdownText(d.key)}** ${d.status}: ${markdownText(error)}`);
  }
  return `${lines.join('\n')}\n\n`;
}

function heading(deployments: readonly Deployment[]): string {
  if (deployments.length !== 1) return `shiplog: ${deployments.length} deployments`;
  const d = deployments[0]!;
  return `shiplog: ${markdownText(d.app)} -> ${markdownText(d.env)} ${marks[d.status]} ${d.status}`;
}
