import type { StatusChange } from '../db/status-changes.js';
import type { Store } from '../db/store.js';
import { lockedTarget } from '../db/targets.js';
import { recordNote } from '../db/transition.js';
import type { Deployment } from '../deployment/deployment.js';
import { redact, secretValues } from '../secrets/redaction.js';
import type { Output } from '../terminal/output.js';
import { deliver, deliveryPolicy, DeliveryFailure, type Answer, type DeliveryPolicy, type Outbound } from './delivery.js';
import { mirrorToGithub } from './github.js';
import { annotateInGrafana } from './grafana.js';
import type { IntegrationIo } from './integration-io.js';
import { notification } from './notify.js';
import { notifiable, type IntegrationSettings } from './settings.js';

/**
 * Tells the integrations about the status changes this process committed, off the path that follows the
 * deployments: each change is queued, the changes of one deployment in order (GitHub's deployment before its
 * statuses, Grafana's start before its end), different deployments side by side. Nothing here throws into a
 * command or changes an outcome: a call that cannot be made is one line on stderr and an event on the record.
 */
export class Announcer implements IntegrationIo {
  private readonly queues = new Map<number, Promise<void>>();
  /** Details saved on records during this run, newer than the changes queued before they were saved. */
  private readonly saved = new Map<number, Record<string, unknown>>();
  /** Receivers (by origin) that never answered: later calls fail at once instead of waiting again. */
  private readonly unreachable = new Set<string>();
  private readonly policy: DeliveryPolicy;
  private readonly secrets: string[];

  constructor(
    readonly store: Store,
    private readonly settings: IntegrationSettings,
    private readonly out: Output,
  ) {
    this.policy = deliveryPolicy();
    this.secrets = [...secretValues(process.env), ...settings.notify.flatMap((r) => urlSecrets(r.url)), ...(settings.grafana ? [settings.grafana.token] : [])].sort(
      (a, b) => b.length - a.length,
    );
  }

  hear(changes: readonly StatusChange[]): void {
    for (const change of changes) {
      const id = change.deployment.id;
      const before = this.queues.get(id) ?? Promise.resolve();
      this.queues.set(id, before.then(() => this.react(change)));
    }
  }

  /** Resolves once every queued change has been told, however each call went. */
  async settled(): Promise<void> {
    for (let pending = [...this.queues.values()]; pending.length > 0; ) {
      await Promise.all(pending);
      const now = [...this.queues.values()];
      pending = now.filter((queue) => !pending.includes(queue));
    }
  }

  async attempt(deployment: Deployment, what: string, request: Outbound): Promise<Answer | undefined> {
    const origin = new URL(request.url).origin;
    try {
      if (this.unreachable.has(origin)) throw new DeliveryFailure('it gave no answer earlier in this run, so it was not tried again', true);
      return await deliver(request, this.policy);
    } catch (error) {
      if (error instanceof DeliveryFailure && error.unreachable) this.unreachable.add(origin);
      await this.failed(deployment, what, error instanceof DeliveryFailure ? error.message : 'request failed');
      return undefined;
    }
  }

  async failed(deployment: Deployment, what: string, why: string): Promise<void> {
    const detail = redact(`${what} not delivered: ${why}`, this.secrets);
    this.out.progress(`shiplog: ${detail}; the deployment's outcome stands`);
    try {
      await this.store.write(async (tx) => {
        const row = await tx.selectFrom('deployments').select('status').where('id', '=', deployment.id).executeTakeFirst();
        if (row) await recordNote(tx, deployment.id, row.status, 'integration', detail);
      });
    } catch {
      // The store is what failed (the command reports that itself); the line above has said what was not delivered.
    }
  }

  async saveTarget(id: number, name: string, details: Record<string, unknown>): Promise<void> {
    this.saved.set(id, { ...this.saved.get(id), [name]: details });
    await this.store.write(async (tx) => {
      const target = { ...(await lockedTarget(tx, id)), [name]: details };
      await tx.updateTable('deployments').set({ target: JSON.stringify(target) }).where('id', '=', id).execute();
    });
  }

  targetOf(deployment: Deployment): Record<string, unknown> | null {
    const saved = this.saved.get(deployment.id);
    return saved ? { ...deployment.target, ...saved } : deployment.target;
  }

  private async react(change: StatusChange): Promise<void> {
    const { notify, grafana } = this.settings;
    const reactions: Promise<unknown>[] = [mirrorToGithub(change, this.settings, this)];
    if (grafana) reactions.push(annotateInGrafana(change, grafana, this));
    if (notifiable(change.event.to)) {
      for (const receiver of notify) {
        const what = `${receiver.slack ? 'Slack notification' : 'notification'} to ${receiver.label} of ${change.deployment.key} ${change.event.to}`;
        reactions.push(this.attempt(change.deployment, what, notification(receiver, change)));
      }
    }
    const ends = await Promise.allSettled(reactions);
    for (const end of ends) {
      if (end.status === 'rejected') await this.failed(change.deployment, 'an integration', end.reason instanceof Error ? end.reason.message : String(end.reason));
    }
  }
}

/**
 * A webhook URL is a secret, and so is its path alone (Slack's holds the token): a receiver that echoes either back
 * in an error must not put it into shiplog's output or the store. Parts too short to be a secret are left.
 */
function urlSecrets(url: string): string[] {
  const { pathname, search } = new URL(url);
  return [url, `${pathname}${search}`, pathname, search.slice(1)].filter((part) => part.length >= 6);
}
