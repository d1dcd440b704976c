import type { Deployment } from '../deployment/deployment.js';
import { formatDuration } from '../timing/duration.js';

/**
 * The `::error` workflow command that makes GitHub Actions show a failed or timed-out deployment as an annotation
 * of the run. GitHub reads workflow commands from a step's stdout and stderr alike; shiplog writes it to stderr,
 * so stdout stays the command's answer (the key, the outcome line, or the --json document).
 */
export function errorAnnotation(d: Deployment): string {
  const what = [d.app, d.version].filter(Boolean).join(' ');
  const took = d.durationMs === null ? '' : ` after ${formatDuration(d.durationMs)}`;
  const message = `${d.key} ${what} -> ${d.env}: ${d.status}${took}${d.error ? `\n${d.error}` : ''}`;
  return `::error title=${escapeProperty(`shiplog: ${what} -> ${d.env} ${d.status}`)}::${escapeData(message)}`;
}

/** Whether a deployment's outcome is worth an error annotation. */
export function deservesAnnotation(d: Deployment): boolean {
  return d.status === 'failed' || d.status === 'timeout';
}

/** A command's message: `%`, CR and LF are written as their percent codes, so the command stays one line. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property's value: as a message, and also `:` and `,`, which end a property. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
