import type { KubeCluster } from './cluster.js';
import { NamespaceWatch } from './namespace-watch.js';
import type { RolloutVerdict } from './rollout-status.js';
import { watchTuning, type WatchTuning } from './watch-tuning.js';
import { workloadVerdict, type WorkloadRef, type WorkloadSnapshot } from './workload.js';

/** One workload to follow, and the generation whose rollout counts (the one a change of the caller's produced). */
export interface WorkloadToFollow {
  ref: WorkloadRef;
  waitFor?: number;
}

export interface FollowWorkloadsOptions {
  /** Hears every verdict as it changes, waiting ones included: for progress lines. */
  onVerdict?: (ref: WorkloadRef, verdict: RolloutVerdict) => void;
  /** Ends the wait early; the verdicts last seen are returned, waiting ones included. */
  signal?: AbortSignal;
  tuning?: WatchTuning;
  log?: (line: string) => void;
}

/**
 * Follows several workloads of one cluster to their rollouts' ends, by `kubectl rollout status`'s rules for each
 * kind, through the same namespace watches `track` uses (one per namespace and kind, with their restarts and
 * backoff), without a deployment record for each: for a provider whose one deployment changes many workloads,
 * such as a Helm release. Resolves with one verdict per workload, in the order given, once each is `complete` or
 * `failed` (or when `signal` ends the wait); rejects with a failure retrying cannot mend (401, 403, a failed exec
 * credential plugin).
 */
export function followWorkloads(cluster: KubeCluster, workloads: readonly WorkloadToFollow[], options: FollowWorkloadsOptions = {}): Promise<RolloutVerdict[]> {
  const verdicts: RolloutVerdict[] = workloads.map(() => ({ state: 'waiting', message: 'not observed yet' }));
  if (workloads.length === 0) return Promise.resolve(verdicts);
  const tuning = options.tuning ?? watchTuning();
  const log = options.log ?? (() => undefined);
  const watches: NamespaceWatch[] = [];

  return new Promise<RolloutVerdict[]>((resolve, reject) => {
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      for (const watch of watches) watch.stop();
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(verdicts);
      else reject(error);
    };
    const onAbort = () => end();
    const judge = (index: number, observed: WorkloadSnapshot | 'deleted') => {
      if (ended || verdicts[index]!.state !== 'waiting') return;
      const { ref, waitFor } = workloads[index]!;
      const verdict = workloadVerdict(ref.kind, observed, waitFor);
      verdicts[index] = verdict;
      options.onVerdict?.(ref, verdict);
      if (verdicts.every((v) => v.state !== 'waiting')) end();
    };

    const byWatch = new Map<string, number[]>();
    workloads.forEach(({ ref }, index) => {
      const key = `${ref.kind}\u0000${ref.namespace}`;
      byWatch.set(key, [...(byWatch.get(key) ?? []), index]);
    });
    for (const indexes of byWatch.values()) {
      const { kind, namespace } = workloads[indexes[0]!]!.ref;
      const named = (name: string) => indexes.filter((index) => workloads[index]!.ref.name === name);
      const watch: NamespaceWatch = new NamespaceWatch(
        cluster,
        kind,
        namespace,
        tuning,
        {
          changed: (name, observed) => named(name).forEach((index) => judge(index, observed)),
          listed: () => indexes.forEach((index) => judge(index, watch.current(workloads[index]!.ref.name))),
          failed: (error) => end(error),
        },
        log,
      );
      watches.push(watch);
    }
    if (options.signal?.aborted) return end();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (const watch of watches) watch.start();
  });
}
