import type { StatusChange } from '../db/status-changes.js';
import type { Deployment } from '../deployment/deployment.js';
import { formatDuration } from '../timing/duration.js';
import type { Outbound } from './delivery.js';
import type { NotifyReceiver } from './settings.js';

/**
 * The request that tells `receiver` how a deployment ended. A generic receiver gets the record as `--json` prints
 * it, with the event that ended it under `event`; a Slack incoming webhook gets a message (`text` and `blocks`).
 * The delivery header is the same on every retry, so a receiver can drop a repeat.
 */
export function notification(receiver: NotifyReceiver, change: StatusChange): Outbound {
  const { deployment, event } = change;
  return {
    method: 'POST',
    url: receiver.url,
    headers: { 'X-Shiplog-Delivery': `${deployment.key}:${event.to}:${event.at}` },
    body: receiver.slack ? slackMessage(deployment) : { ...deployment, event },
  };
}

const emoji: Record<string, string> = { success: ':white_check_mark:', failed: ':x:', cancelled: ':no_entry_sign:', timeout: ':hourglass:' };

/** Slack's incoming-webhook format: `text` for notifications and clients without blocks, `blocks` for the message. */
function slackMessage(d: Deployment): { text: string; blocks: unknown[] } {
  const what = `${d.isRollback ? 'rollback of ' : ''}${d.app}${d.version ? ` ${d.version}` : ''} to ${d.env}`;
  const took = d.durationMs === null ? '' : ` in ${formatDuration(d.durationMs)}`;
  const headline = `${emoji[d.status] ?? ''} ${what}: ${d.status}${took}`.trim();
  const lines = [`${emoji[d.status] ?? ''} *${mrkdwn(what)}*: ${d.status}${took}`.trim()];
  if (d.error && d.status !== 'success') lines.push(`>${mrkdwn(d.error.split('\n').slice(-3).join(' '))}`);
  const context = [`\`${d.key}\``];
  if (d.operator) context.push(`by ${mrkdwn(d.operator)}`);
  if (d.commitSha) context.push(`commit ${mrkdwn(d.commitSha.slice(0, 12))}${d.repo ? ` of ${mrkdwn(d.repo)}` : ''}`);
  if (d.ciRunUrl) context.push(`<${mrkdwn(d.ciRunUrl)}|CI run>`);
  return {
    text: headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

/** Slack reads &, < and > as markup: text from the store is escaped so it shows as written and links nowhere. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
