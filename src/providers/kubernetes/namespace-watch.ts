import { setTimeout as sleep } from 'node:timers/promises';
import type { ShiplogError } from '../../errors.js';
import { retryDelayMs } from '../../timing/backoff.js';
import { describeApiFailure, httpStatusOf, isCredentialFailure, isTransientFailure } from './api-failure.js';
import type { KubeCluster } from './cluster.js';
import type { WatchTuning } from './watch-tuning.js';
import { kindTitle, toWorkloadSnapshot, type WorkloadKind, type WorkloadSnapshot } from './workload.js';

/** What a namespace watch tells the code that follows rollouts in that namespace. */
export interface NamespaceListener {
  /** A workload of the watched kind changed, or was deleted. */
  changed(name: string, observed: WorkloadSnapshot | 'deleted'): void;
  /** The namespace was listed (the first time, or again): every workload's state may have moved, deletions included. */
  listed(): void;
  /** A failure retrying cannot mend (401, 403, a failed exec plugin, a request the server refuses): the watch has stopped. */
  failed(error: ShiplogError): void;
}

/** A namespace's workloads as one list read them, and the resourceVersion a watch goes on from. */
interface Listed {
  objects: Map<string, WorkloadSnapshot>;
  resourceVersion: string;
}

/** How one watch connection ended, which decides what comes next. */
type Ending =
  | { kind: 'closed'; events: number }
  | { kind: 'expired' }
  | { kind: 'silent' }
  | { kind: 'broken'; events: number; reason: string }
  | { kind: 'fatal'; error: ShiplogError }
  | { kind: 'stopped' };

/**
 * One watch on the workloads of one kind (Deployments, StatefulSets or DaemonSets) in one namespace, however
 * many of them are followed, kept alive by hand because the client does neither: it lists the namespace (a page
 * at a time), watches from the list's resourceVersion, and resumes from the last resourceVersion seen when the
 * connection ends. It lists again when that version has expired (410 Gone), and when the watchdog restarts a
 * watch that was silent for longer than its period (a half-open connection, or a server that stopped sending,
 * looks exactly like a quiet namespace; a list finds what was missed). Every restart and every list that failed
 * for a passing reason (5xx, 429, no answer) waits its turn in one backoff, which starts over once a watch
 * delivers events again. It keeps the last state of each workload, reduced to what a rollout verdict reads.
 */
export class NamespaceWatch {
  private objects = new Map<string, WorkloadSnapshot>();
  private resourceVersion = '';
  private listedOnce = false;
  private stopped = false;
  private endCurrent: (() => void) | undefined;
  private failures = 0;

  constructor(
    private readonly cluster: KubeCluster,
    readonly kind: WorkloadKind,
    readonly namespace: string,
    private readonly tuning: WatchTuning,
    private readonly listener: NamespaceListener,
    private readonly log: (line: string) => void,
  ) {}

  /** Lists the namespace, then keeps watching it, in the background: the listener hears of each list and of the end. */
  start(): void {
    void this.keepWatching();
  }

  /** Whether the namespace has been listed: before that, nothing is known of its workloads. */
  get listed(): boolean {
    return this.listedOnce;
  }

  /** The last state seen of a workload; 'deleted' when the namespace has none of that kind and name. */
  current(name: string): WorkloadSnapshot | 'deleted' {
    return this.objects.get(name) ?? 'deleted';
  }

  stop(): void {
    this.stopped = true;
    this.endCurrent?.();
  }

  /**
   * Reads the namespace's workloads a page at a time, then takes them all at once: until the last page, what
   * current() answers is the previous list's, never half of the new one. The watch goes on from the list's
   * resourceVersion, the first page's, which every page is read at. A page token the server dropped meanwhile
   * (410: etcd compacted past the list's snapshot) is answered as client-go's pager answers it, by reading the
   * list again whole, in one request, which has no token to expire.
   */
  private async list(): Promise<void> {
    const listed = (await this.readInPages()) ?? (await this.readWhole());
    this.objects = listed.objects;
    this.resourceVersion = listed.resourceVersion;
  }

  /** The namespace's workloads, `listPageSize` a request; undefined when a page token expired before the last page. */
  private async readInPages(): Promise<Listed | undefined> {
    const limit = this.tuning.listPageSize;
    let page = await this.cluster.listWorkloads(this.kind, this.namespace, { limit });
    const listed: Listed = { objects: new Map(), resourceVersion: page.resourceVersion };
    for (;;) {
      keepSnapshots(listed.objects, page.items);
      if (page.continue === undefined) return listed;
      try {
        page = await this.cluster.listWorkloads(this.kind, this.namespace, { limit, continue: page.continue });
      } catch (error) {
        if (httpStatusOf(error) !== 410) throw error;
        this.log(`the list of ${kindTitle(this.kind)}s in namespace ${this.namespace} expired between two pages (410 Gone); listing it again in one request`);
        return undefined;
      }
    }
  }

  /** The namespace's workloads in one request. */
  private async readWhole(): Promise<Listed> {
    const page = await this.cluster.listWorkloads(this.kind, this.namespace);
    const listed: Listed = { objects: new Map(), resourceVersion: page.resourceVersion };
    keepSnapshots(listed.objects, page.items);
    return listed;
  }

  private async keepWatching(): Promise<void> {
    let relist = true;
    while (!this.stopped) {
      if (relist && !(await this.listUntilListed())) return;
      const ending = await this.watchOnce();
      if (ending.kind === 'stopped' || this.stopped) return;
      if (ending.kind === 'fatal') return this.fail(ending.error);
      // A watch that delivered events was healthy: the next restart waits the shortest time again.
      if ((ending.kind === 'closed' || ending.kind === 'broken') && ending.events > 0) this.failures = 0;
      relist = ending.kind === 'expired' || ending.kind === 'silent';
      const delay = this.nextDelay();
      const next = relist ? 'listing again' : `resuming from resourceVersion ${this.resourceVersion}`;
      this.log(`watch of ${kindTitle(this.kind)}s in namespace ${this.namespace} ${describeEnding(ending, this.tuning, this.resourceVersion)}; ${next} in ${delay}ms`);
      await this.pause(delay);
    }
  }

  /**
   * Lists until it works, waiting out passing failures; false when the watch has stopped, or failed for good.
   * The list asks for the latest state (no resourceVersion), and the watch that follows starts from the
   * resourceVersion of that list, never from an older one: after a 410 the old one is what expired.
   */
  private async listUntilListed(): Promise<boolean> {
    while (!this.stopped) {
      try {
        await this.list();
        this.listedOnce = true;
        this.listener.listed();
        return true;
      } catch (error) {
        if (this.stopped) return false;
        if (!isTransientFailure(error)) {
          this.fail(error as ShiplogError);
          return false;
        }
        const delay = this.nextDelay();
        this.log(`${(error as Error).message}; listing again in ${delay}ms`);
        await this.pause(delay);
      }
    }
    return false;
  }

  private fail(error: ShiplogError): void {
    this.stopped = true;
    this.listener.failed(error);
  }

  private nextDelay(): number {
    this.failures += 1;
    return retryDelayMs(this.failures, this.tuning.backoff, undefined, Number.POSITIVE_INFINITY);
  }

  /** Runs one watch connection to its end, whatever ends it: the server, an error, the watchdog or stop(). */
  private watchOnce(): Promise<Ending> {
    return new Promise<Ending>((resolve) => {
      let events = 0;
      let ended = false;
      let connection: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const end = (ending: Ending) => {
        if (ended) return;
        ended = true;
        clearTimeout(watchdog);
        this.endCurrent = undefined;
        connection?.abort();
        resolve(ending);
      };
      const rearm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => end({ kind: 'silent' }), this.tuning.idleMs);
      };
      this.endCurrent = () => end({ kind: 'stopped' });
      rearm();
      const onEvent = (type: string, object: unknown) => {
        if (ended) return;
        rearm();
        if (type === 'ERROR') {
          end(httpStatusOf(object) === 410 ? { kind: 'expired' } : this.failure(object, events));
          return;
        }
        events += 1;
        this.apply(type, object as WorkloadSnapshot & { metadata?: { resourceVersion?: string } });
      };
      const onDone = (error: unknown) => end(error ? this.failure(error, events) : { kind: 'closed', events });
      this.cluster
        .watchWorkloads(this.kind, this.namespace, { resourceVersion: this.resourceVersion, timeoutSeconds: this.tuning.timeoutSeconds }, onEvent, onDone)
        .then((controller) => {
          connection = controller;
          if (ended) controller.abort();
        })
        .catch((error: unknown) => end(this.failure(error, events)));
    });
  }

  private failure(error: unknown, events: number): Ending {
    if (httpStatusOf(error) === 410) return { kind: 'expired' };
    if (isCredentialFailure(error)) return { kind: 'fatal', error: describeApiFailure(error, this.cluster.where, `watching ${kindTitle(this.kind)}s in namespace ${this.namespace}`) };
    return { kind: 'broken', events, reason: describeApiFailure(error, this.cluster.where, 'watching').message };
  }

  private apply(type: string, object: WorkloadSnapshot & { metadata?: { resourceVersion?: string } }): void {
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    const name = object.metadata?.name;
    if (type === 'BOOKMARK' || !name) return;
    if (type === 'DELETED') {
      this.objects.delete(name);
      this.listener.changed(name, 'deleted');
      return;
    }
    const snapshot = toWorkloadSnapshot(object);
    this.objects.set(name, snapshot);
    this.listener.changed(name, snapshot);
  }

  /** Sleeps, cut short by stop(). */
  private async pause(ms: number): Promise<void> {
    const stop = new AbortController();
    this.endCurrent = () => stop.abort();
    await sleep(ms, undefined, { signal: stop.signal }).catch(() => undefined);
    this.endCurrent = undefined;
  }
}

/** Adds each workload to `objects` by name, reduced to what a rollout verdict reads. */
function keepSnapshots(objects: Map<string, WorkloadSnapshot>, items: readonly WorkloadSnapshot[]): void {
  for (const item of items) {
    const snapshot = toWorkloadSnapshot(item);
    if (snapshot.metadata?.name) objects.set(snapshot.metadata.name, snapshot);
  }
}

function describeEnding(ending: Ending, tuning: WatchTuning, resourceVersion: string): string {
  switch (ending.kind) {
    case 'expired':
      return `was refused: resourceVersion ${resourceVersion} has expired (410 Gone)`;
    case 'silent':
      return `was silent for ${tuning.idleMs}ms (presumed half-open)`;
    case 'broken':
      return `broke: ${ending.reason}`;
    default:
      return 'was closed by the server';
  }
}
