const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

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
 * Runs `work` with a signal that aborts on the first SIGINT or SIGTERM, so a follow loop can stop between two
 * steps and leave every record as its last transaction did. Only the first is caught: a second Ctrl-C ends
 * the process the ordinary way, for a user who will not wait.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    detach();
    controller.abort(new Interrupted(signal));
  };
  const detach = () => {
    for (const signal of stopSignals) process.off(signal, stop);
  };
  for (const signal of stopSignals) process.on(signal, stop);
  try {
    return await work(controller.signal);
  } finally {
    detach();
  }
}
