import type { Transaction } from 'kysely';
import { findAbandoned, type AbandonedDeployment, type AbandonedFilter } from '../db/abandoned.js';
import type { StoreDialect } from '../db/dialect.js';
import { mergeDuplicates, planDuplicates, type DuplicateGroup } from '../db/duplicates.js';
import { planPrune, prune, type Prunable, type PruneRule } from '../db/prune.js';
import type { Database } from '../db/schema.js';
import type { Store } from '../db/store.js';
import { applyTransition } from '../db/transition.js';
import { activeStatuses, isActive, unresolvedStatuses, type EventSource, type Status } from '../deployment/lifecycle.js';
import type { KubeChoice } from '../providers/kubernetes/cluster-pool.js';
import { formatDuration } from '../timing/duration.js';
import { leaseExpiredBefore } from '../tracking/tracker.js';
import { backupSqlite, checkBackupPath, defaultBackupPath } from './backup.js';
import { askProviders, type Reconciled } from './reconcile.js';

export interface CleanupRequest {
  duplicates: { windowMs: number } | null;
  /** `kube`: how --reconcile reaches Kubernetes (`--kubeconfig`, `--context`). */
  stale: { olderThanMs: number; reconcile: boolean; kube: KubeChoice } | null;
  prune: { olderThanMs: number; keep: number } | null;
  apply: boolean;
  /** `--backup`: where a SQLite store is copied before the first change; else beside the store. */
  backupPath: string | null;
}

/** One abandoned deployment and what becomes of it: `to` null leaves it as it is, for `reason`. */
export interface StaleChange extends AbandonedDeployment {
  from: Status;
  to: Status | null;
  source: EventSource;
  reason: string;
}

/**
 * Where the plan's long lists go as they are read, one item at a time, so no list of a whole history is ever held:
 * the command prints them, or spools them for its JSON document.
 */
export interface CleanupListener {
  duplicateGroup(group: DuplicateGroup): void;
  prunable(record: Prunable): void;
  /** How many groups of duplicates it wants whole (the rest are only counted, in the database); all when undefined. */
  readonly groupsWanted?: number;
}

/** What cleanup found and did, with counts where the listener heard the items. */
export interface CleanupSummary {
  applied: boolean;
  /** The backup written before the changes, if one was. */
  backup: string | null;
  notes: string[];
  duplicates: { windowMs: number; groups: number; records: number; eventsMoved: number | null } | null;
  stale: { olderThanMs: number; reconcile: boolean; records: StaleChange[] } | null;
  prune: { olderThanMs: number; keep: number; records: number; events: number } | null;
}

/** The report as `--json` prints it: the summary, with every group and record the listener heard in its place. */
export interface CleanupReport extends Omit<CleanupSummary, 'duplicates' | 'prune'> {
  duplicates: { windowMs: number; groups: DuplicateGroup[]; records: number; eventsMoved: number | null } | null;
  prune: { olderThanMs: number; keep: number; records: Prunable[]; events: number } | null;
}

/** One pass over the store: planning only, or (with `beforeChange`) planning and applying. */
interface Pass {
  kind: StoreDialect['kind'];
  request: CleanupRequest;
  answers: Map<number, Reconciled>;
  listener: CleanupListener;
  now: Date;
  /** A heartbeat older than this belongs to a follower that is gone. */
  leaseExpiredBefore: string;
  /** Called before the first change (it writes the backup); absent when only planning. */
  beforeChange?: () => Promise<void>;
}

/**
 * Plans the clean-up and, with `apply`, carries it out. The plan is computed inside the one transaction that
 * applies it, so what is reported is exactly what was changed, all or nothing. Providers are asked (for
 * --reconcile) before that transaction, since a transaction never waits on the network; an answer counts
 * only if its record is still in the status it had when the provider was asked.
 */
export async function cleanup(store: Store, request: CleanupRequest, listener: CleanupListener, now = new Date()): Promise<CleanupSummary> {
  const backupPath = request.apply && store.dialect.kind === 'sqlite' ? checkBackupPath(request.backupPath ?? defaultBackupPath(store.location, now)) : null;
  const leaseCutoff = leaseExpiredBefore(now.getTime());
  const answers = request.stale?.reconcile
    ? await askProviders(await store.read((tx) => findAbandoned(tx, abandonedFilter(request.stale!, leaseCutoff, now))), request.stale.kube)
    : new Map<number, Reconciled>();
  const pass: Pass = { kind: store.dialect.kind, request, answers, listener, now, leaseExpiredBefore: leaseCutoff };
  const report: CleanupSummary = { applied: request.apply, backup: null, notes: [], duplicates: null, stale: null, prune: null };
  if (store.dialect.kind === 'postgres' && request.backupPath !== null) {
    report.notes.push('--backup applies to SQLite stores only; back up PostgreSQL with pg_dump');
  }
  if (!request.apply) {
    await store.read((tx) => planAndApply(tx, pass, report));
    return report;
  }
  const beforeChange = async () => {
    if (backupPath === null || report.backup !== null) return;
    await backupSqlite(store.location, backupPath);
    report.backup = backupPath;
  };
  await store.write((tx) => planAndApply(tx, { ...pass, beforeChange }, report));
  const changed = hasChanges(report);
  const unreclaimed = changed ? await store.reclaim() : null;
  if (unreclaimed !== null) report.notes.push(`the changes are saved, but the store could not be vacuumed afterwards (${unreclaimed}); the server's autovacuum will do it`);
  if (store.dialect.kind === 'postgres' && request.backupPath === null && changed) {
    report.notes.push('no backup was written: shiplog backs up SQLite stores only; back up PostgreSQL with pg_dump');
  }
  return report;
}

/** Fills `report` with the plan; with `beforeChange` (apply), calls it before the first change and applies each part. */
async function planAndApply(tx: Transaction<Database>, pass: Pass, report: CleanupSummary): Promise<void> {
  const { request, beforeChange, listener, kind, now } = pass;
  const at = now.toISOString();
  if (request.duplicates) {
    const rule = { windowMs: request.duplicates.windowMs, leaseExpiredBefore: pass.leaseExpiredBefore };
    const reader = { onGroup: (group: DuplicateGroup) => listener.duplicateGroup(group), wanted: listener.groupsWanted };
    const found = beforeChange ? await mergeDuplicates(tx, kind, rule, at, reader, beforeChange) : { ...(await planDuplicates(tx, kind, rule, reader)), eventsMoved: null };
    report.duplicates = { windowMs: rule.windowMs, groups: found.groups, records: found.records, eventsMoved: found.records > 0 ? found.eventsMoved : null };
  }
  if (request.stale) {
    const abandoned = await findAbandoned(tx, abandonedFilter(request.stale, pass.leaseExpiredBefore, now));
    const records = abandoned.map((d) => decide(d, request.stale!.reconcile, pass.answers.get(d.id), now));
    for (const change of records) {
      if (!beforeChange || change.to === null) continue;
      await beforeChange();
      const applied = await applyTransition(tx, { id: change.id, from: change.from, to: change.to, source: change.source, detail: change.reason, at });
      if (!applied) Object.assign(change, { to: null, reason: 'it changed while cleanup ran; left as it is' });
    }
    report.stale = { olderThanMs: request.stale.olderThanMs, reconcile: request.stale.reconcile, records };
  }
  if (request.prune) {
    const rule: PruneRule = { createdBefore: new Date(now.getTime() - request.prune.olderThanMs).toISOString(), keep: request.prune.keep };
    const onRecord = (record: Prunable) => listener.prunable(record);
    const counts = beforeChange ? await prune(tx, kind, rule, onRecord, beforeChange) : await planPrune(tx, kind, rule, onRecord);
    report.prune = { ...request.prune, ...counts };
  }
}

/** Active records past the age limit; with --reconcile also the unresolved ones a provider may settle. */
function abandonedFilter(stale: NonNullable<CleanupRequest['stale']>, leaseExpiredBefore: string, now: Date): AbandonedFilter {
  return {
    statuses: stale.reconcile ? [...activeStatuses, ...unresolvedStatuses] : activeStatuses,
    startedBefore: new Date(now.getTime() - stale.olderThanMs).toISOString(),
    leaseExpiredBefore,
  };
}

/**
 * What becomes of one abandoned deployment: the provider's final answer when it gave one for the status the
 * record is still in; else an active record becomes `stale` (never `success`: nobody saw it succeed; a `pending`
 * one may have reached its provider before its shiplog died), and an unresolved one stays as it is. One the
 * provider reports still under way is left as it is, to be followed.
 */
function decide(d: AbandonedDeployment, reconcile: boolean, reconciled: Reconciled | undefined, now: Date): StaleChange {
  const base = { ...d, from: d.status };
  const answer = reconciled?.askedIn === d.status ? reconciled.answer : undefined;
  if (answer?.kind === 'final') return { ...base, to: answer.status, source: 'reconcile', reason: answer.detail };
  if (answer?.kind === 'running') {
    return { ...base, to: null, source: 'reconcile', reason: `${answer.detail}; still under way: follow it with 'shiplog track' or 'shiplog poll'` };
  }
  const why = !reconcile ? abandonment(d, now) : (answer?.reason ?? 'it changed while its provider was asked');
  if (isActive(d.status)) return { ...base, to: 'stale', source: 'cleanup', reason: reconcile ? `not reconciled: ${why}` : why };
  return { ...base, to: null, source: 'cleanup', reason: `left ${d.status}: ${why}` };
}

function abandonment(d: AbandonedDeployment, now: Date): string {
  const age = formatDuration(now.getTime() - Date.parse(d.startedAt ?? d.createdAt));
  const holder = d.status === 'pending' ? 'the shiplog starting it' : 'its follower';
  const heard = d.heartbeatAt ? `${holder} was last heard from ${formatDuration(now.getTime() - Date.parse(d.heartbeatAt))} ago` : 'nobody follows it';
  return `${d.status} for ${age} and ${heard}`;
}

function hasChanges(report: CleanupSummary): boolean {
  return (report.duplicates?.records ?? 0) > 0 || (report.stale?.records.some((change) => change.to !== null) ?? false) || (report.prune?.records ?? 0) > 0;
}
