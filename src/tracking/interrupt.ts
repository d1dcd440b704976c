import { performance } from 'node:perf_hooks';

const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * How long after the first SIGINT or SIGTERM another one is still the same interruption. `timeout`, CI runners
 * and container stops signal shiplog and then its process group, so it gets two within microseconds (a few
 * milliseconds on a loaded machine); a person pressing Ctrl-C again takes longer than this.
 */
const burstMs = 1_000;

/** The abort reason of an interruptible run: which signal shiplog got. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

/** The signal that aborted `signal` when shiplog was interrupted; null when it was not. */
export function interruptedBy(signal: AbortSignal | undefined): NodeJS.Signals | null {
  return signal?.aborted && signal.reason instanceof Interrupted ? signal.reason.signal : null;
}

/**
 * What a run does, synchronously, when a later signal ends the process at once: nothing that waits on the event
 * loop runs after it.
 */
export type LastWords = (signal: NodeJS.Signals) => void;

interface Waiter {
  controller: AbortController;
  lastWords: LastWords | undefined;
}

const waiters = new Set<Waiter>();
let first: { signal: NodeJS.Signals; at: number } | undefined;
let listening = false;

/** Whether a signal now belongs to the burst of the first one, rather than being a request of its own. */
export function sameInterruption(): boolean {
  return first !== undefined && performance.now() - first.at < burstMs;
}

/**
 * Runs `work` with a signal that aborts on the first SIGINT or SIGTERM, so a follow loop can stop between two
 * steps and leave every record as its last transaction did. Signals within a second of the first are copies
 * of it and change nothing. A later one is a person who will not wait: the process ends at once, by that signal,
 * after each run's `lastWords`.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>, lastWords?: LastWords): Promise<T> {
  const waiter: Waiter = { controller: new AbortController(), lastWords };
  if (first) waiter.controller.abort(new Interrupted(first.signal));
  waiters.add(waiter);
  listen();
  try {
    return await work(waiter.controller.signal);
  } finally {
    waiters.delete(waiter);
    stopListeningIfIdle();
  }
}

function onStopSignal(signal: NodeJS.Signals): void {
  if (first === undefined) {
    first = { signal, at: performance.now() };
    for (const waiter of waiters) waiter.controller.abort(new Interrupted(signal));
    setTimeout(stopListeningIfIdle, burstMs).unref();
    return;
  }
  if (sameInterruption()) return;
  // After this signal's other listeners (a deploy command's forwarder kills its command), before anything else runs.
  process.nextTick(endNow, signal);
}

function endNow(signal: NodeJS.Signals): void {
  for (const { lastWords } of waiters) {
    try {
      lastWords?.(signal);
    } catch {
      // The process ends anyway: what could not be written is left to its lease, which expires.
    }
  }
  for (const stop of stopSignals) process.removeAllListeners(stop);
  process.kill(process.pid, signal);
}

function listen(): void {
  if (listening) return;
  listening = true;
  for (const signal of stopSignals) process.on(signal, onStopSignal);
}

/**
 * Once no run waits, signals end the process the ordinary way again; but not before the burst of the first is
 * over, or its last copies would end a process that is still writing down the interruption.
 */
function stopListeningIfIdle(): void {
  if (!listening || waiters.size > 0 || sameInterruption()) return;
  listening = false;
  for (const signal of stopSignals) process.off(signal, onStopSignal);
}
