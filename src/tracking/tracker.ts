import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Transaction, Updateable } from 'kysely';
import { envMs } from '../config/tuning-env.js';
import { toDeployment } from '../db/deployment-rows.js';
import type { DeploymentRef } from '../db/deployments.js';
import type { Database, DeploymentsTable } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { lockedTarget } from '../db/targets.js';
import { applyTransition, recordNote } from '../db/transition.js';
import type { Deployment } from '../deployment/deployment.js';
import { isFinal, unsettledStatuses, type EventSource, type Status } from '../deployment/lifecycle.js';
import { ExitCode, ShiplogError } from '../errors.js';
import { parseTimeLimit } from '../timing/duration.js';

/** How often a follower says it is still following. */
export const heartbeatMs = envMs(process.env, 'SHIPLOG_HEARTBEAT_MS') ?? 5_000;
/** A lease whose heartbeat is older than this belongs to a follower that is gone. */
export const leaseTtlMs = process.env.SHIPLOG_LEASE_TTL ? parseTimeLimit(process.env.SHIPLOG_LEASE_TTL, 'SHIPLOG_LEASE_TTL') : 30_000;

/**
 * How many records one statement claims. A statement a record took 10,000 claims 0.8 s on SQLite and 5 s on
 * PostgreSQL (row locks held throughout); 500 a statement take 0.2 s and 0.5 s. One statement for all 10,000 holds
 * every row it returns at the same moment: 20 MB more at the peak of the track bench.
 */
const claimBatch = 500;

/** The least time a follower's transaction may stay silent before the server ends it (see Tracker's write). */
const stalledTransactionFloorMs = 5_000;

/** ISO-8601 UTC instant before which a lease's heartbeat means its follower is gone. */
export function leaseExpiredBefore(now = Date.now()): string {
  return new Date(now - leaseTtlMs).toISOString();
}

/**
 * Another follower holds the deployment now: this process's lease lapsed (it was frozen, or its heartbeat could not
 * be written) and the other took it. Exit 3: this process no longer knows how the deployment ends.
 */
export class LeaseLost extends ShiplogError {
  constructor(readonly id: number) {
    super(`deployment ${id} was taken over by another follower, which follows it now`, ExitCode.unresolved, 'lease_lost');
  }
}

export interface Outcome {
  to: Status;
  detail?: string;
  error?: string | null;
  /** Provider details learned on the way (an NCP history id, a generation to wait for). */
  target?: Record<string, unknown>;
}

/**
 * Holds the deployments this process follows, in memory, as plain values. It is fed refs from committed
 * transactions, claims each one's lease so two followers never work on the same deployment, keeps the
 * heartbeat fresh, and applies each status change as its own short compare-and-set transaction.
 */
export class Tracker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly followed = new Map<number, Deployment>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** The beat in flight: a store that is slow to answer (a lock, an outage ridden out) gets one, not one per interval. */
  private beating: Promise<void> | undefined;
  /** When every lease held was last renewed (epoch ms). */
  private renewedAt = Date.now();

  constructor(
    private readonly store: Store,
    private readonly source: EventSource,
  ) {}

  get size(): number {
    return this.followed.size;
  }

  get(id: number): Deployment | undefined {
    return this.followed.get(id);
  }

  all(): Deployment[] {
    return [...this.followed.values()];
  }

  /** The deployment as this process follows it; throws LeaseLost when another follower took it over. */
  held(id: number): Deployment {
    const known = this.followed.get(id);
    if (!known) throw new LeaseLost(id);
    return known;
  }

  /**
   * Claims the deployments no live follower holds, in one transaction, and starts following them.
   * Returns the ones now followed by this process, in the order of `refs`; the others are left to whoever holds them.
   */
  async follow(refs: readonly DeploymentRef[]): Promise<Deployment[]> {
    const fresh = refs.filter(([id]) => !this.followed.has(id)).map(([id]) => id);
    if (fresh.length === 0) return [];
    const now = new Date();
    const expired = leaseExpiredBefore(now.getTime());
    if (this.followed.size === 0) this.renewedAt = now.getTime();
    const lockRows = this.store.dialect.kind === 'postgres';
    const claimed = await this.write(async (tx) => {
      const rows = new Map<number, Deployment>();
      for (let start = 0; start < fresh.length; start += claimBatch) {
        const ids = fresh.slice(start, start + claimBatch);
        const claimable = tx
          .selectFrom('deployments')
          .select('id')
          .where('id', 'in', ids)
          .where('status', 'in', unsettledStatuses)
          .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', this.owner), eb('heartbeat_at', '<', expired)]))
          .orderBy('id');
        // PostgreSQL locks the rows in id order, so two followers claiming the same records wait for one another
        // instead of deadlocking, and checks the condition again on a row the other changed meanwhile: compare and
        // set. A SQLite write transaction holds the whole store already.
        const updated = await tx
          .updateTable('deployments')
          .set({ lease_owner: this.owner, heartbeat_at: now.toISOString() })
          .where('id', 'in', lockRows ? claimable.forUpdate() : claimable)
          .returningAll()
          .execute();
        for (const row of updated) rows.set(Number(row.id), toDeployment(row));
      }
      return fresh.flatMap((id) => rows.get(id) ?? []);
    });
    for (const deployment of claimed) this.followed.set(deployment.id, deployment);
    this.startHeartbeat();
    return claimed;
  }

  /**
   * Applies a status change to a followed deployment, compare-and-set against the status this process last
   * saw and under this process's lease. Returns the status the record is in afterwards: `outcome.to`, or whatever
   * another writer set first. Throws LeaseLost when another follower holds the deployment now.
   */
  async settle(id: number, outcome: Outcome): Promise<Status> {
    // A process that was away longer than its leases last (frozen, suspended) learns which it still holds first.
    if (Date.now() - this.renewedAt > leaseTtlMs) await this.renew();
    const known = this.held(id);
    const set: Updateable<DeploymentsTable> = {};
    if (outcome.error !== undefined) set.error = outcome.error;
    const result = await this.write(async (tx) => {
      if (outcome.target) set.target = JSON.stringify({ ...(await lockedTarget(tx, id)), ...outcome.target });
      const change = { id, from: known.status, to: outcome.to, source: this.source, detail: outcome.detail ?? null, set, heldBy: this.owner };
      if (await applyTransition(tx, change)) return outcome.to;
      const current = await tx.selectFrom('deployments').select('status').where('id', '=', id).executeTakeFirst();
      // Still in the status this process saw, so what stopped the change is the lease: another follower has it.
      return current === undefined || current.status === known.status ? 'lost' : current.status;
    });
    if (result === 'lost') {
      this.followed.delete(id);
      throw new LeaseLost(id);
    }
    if (isFinal(result) || result !== outcome.to) {
      this.followed.delete(id);
    } else {
      this.followed.set(id, { ...known, status: result, target: outcome.target ? { ...known.target, ...outcome.target } : known.target });
    }
    return result;
  }

  /** Saves provider details on a followed deployment without changing its status. */
  async updateTarget(id: number, target: Record<string, unknown>): Promise<void> {
    const known = this.followed.get(id);
    if (!known) return;
    const merged = await this.write(async (tx) => {
      const stored = { ...(await lockedTarget(tx, id)), ...target };
      await tx.updateTable('deployments').set({ target: JSON.stringify(stored) }).where('id', '=', id).where('lease_owner', '=', this.owner).execute();
      return stored;
    });
    this.followed.set(id, { ...known, target: merged });
  }

  /** Records something worth knowing (a retry, an unknown remote status) as an event, status unchanged. */
  async note(id: number, detail: string): Promise<void> {
    const known = this.followed.get(id);
    if (!known) return;
    await this.write((tx) => recordNote(tx, id, known.status, this.source, detail));
  }

  /** Stops following: the leases are let go so another follower can pick the deployments up at once. */
  async release(): Promise<void> {
    this.stopHeartbeat();
    const ids = [...this.followed.keys()];
    this.followed.clear();
    if (ids.length === 0) return;
    await this.write((tx) =>
      tx.updateTable('deployments').set({ lease_owner: null }).where('id', 'in', ids).where('lease_owner', '=', this.owner).execute(),
    );
  }

  /**
   * `release`, for a process ending at once (a second Ctrl-C): done before returning, and first settling
   * `cancelled` the held records in one of `cancel.statuses`, so that nothing waits for a lease to expire. Returns
   * false, changing nothing, when the store cannot write synchronously (PostgreSQL): the leases then expire.
   * Matched by lease rather than by what is followed in memory, so a record written but not yet followed counts.
   */
  releaseNow(cancel?: { statuses: readonly Status[]; detail: string }): boolean {
    return this.store.writeNow((db, run) => {
      const at = new Date().toISOString();
      const held = run(db.selectFrom('deployments').select(['id', 'status']).where('lease_owner', '=', this.owner)) as { id: number; status: Status }[];
      const detail = cancel?.detail ?? null;
      for (const { id, status } of held.filter((row) => cancel?.statuses.includes(row.status))) {
        run(db.updateTable('deployments').set({ status: 'cancelled', error: detail, completed_at: at, lease_owner: null }).where('id', '=', id).where('status', '=', status));
        run(db.insertInto('deployment_events').values({ deployment_id: id, at, from_status: status, to_status: 'cancelled', source: this.source, detail }));
      }
      run(db.updateTable('deployments').set({ lease_owner: null }).where('lease_owner', '=', this.owner));
    });
  }

  /** Drops a deployment from memory without touching the store (its lease simply expires). */
  forget(id: number): void {
    this.followed.delete(id);
  }

  /**
   * A write transaction of this follower. Should the process stop inside it (frozen, suspended, starved) past a
   * lease's life, the server ends it: its row locks would otherwise keep every other follower from taking the
   * deployments over, and a follower silent that long has lost its leases anyway. Never sooner than
   * stalledTransactionFloorMs, so a lease set short does not end the transactions of a follower merely slowed.
   */
  private write<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.store.write(async (tx) => {
      await this.store.dialect.endIfStalled(tx, Math.max(leaseTtlMs, stalledTransactionFloorMs));
      return work(tx);
    });
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renew(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Renews every held lease, joining the beat in flight if there is one; a failed beat is tried again next time. */
  private renew(): Promise<void> {
    this.beating ??= this.beat()
      .catch(() => undefined)
      .finally(() => (this.beating = undefined));
    return this.beating;
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Refreshes every held lease; a deployment whose lease another follower took is dropped. */
  private async beat(): Promise<void> {
    const ids = [...this.followed.keys()];
    if (ids.length === 0) return;
    const started = Date.now();
    const kept = await this.write(async (tx) => {
      const rows = await tx
        .updateTable('deployments')
        .set({ heartbeat_at: new Date().toISOString() })
        .where('id', 'in', ids)
        .where('lease_owner', '=', this.owner)
        .returning('id')
        .execute();
      return new Set(rows.map((row) => Number(row.id)));
    });
    for (const id of ids) if (!kept.has(id)) this.followed.delete(id);
    this.renewedAt = started;
  }
}
