/**
 * One abort signal for each of many pieces of work, all aborted by a single listener on a shared signal. Each
 * deployment's polling loop waits on its own signal (its pause, its turn at the limiter, its request), so
 * following hundreds of deployments never hangs hundreds of listeners on the one signal a Ctrl-C aborts.
 */
export class AbortBranches {
  private readonly branches = new Set<AbortController>();
  private stopped: { reason: unknown } | undefined;
  private readonly onTrunkAbort = () => this.abort(this.trunk.reason);

  constructor(private readonly trunk: AbortSignal) {
    if (trunk.aborted) this.stopped = { reason: trunk.reason };
    else trunk.addEventListener('abort', this.onTrunkAbort, { once: true });
  }

  /** A signal that aborts with the trunk or with abort(); `release` lets go of it once its work is over. */
  branch(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (this.stopped) controller.abort(this.stopped.reason);
    else this.branches.add(controller);
    return { signal: controller.signal, release: () => this.branches.delete(controller) };
  }

  /** Aborts every branch, and every branch made later, with `reason`. */
  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = { reason };
    for (const controller of this.branches) controller.abort(reason);
    this.branches.clear();
  }

  /** Takes the one listener off the trunk. */
  close(): void {
    this.trunk.removeEventListener('abort', this.onTrunkAbort);
    this.branches.clear();
  }
}
