import type { AbandonedDeployment } from '../db/abandoned.js';
import type { Status } from '../deployment/lifecycle.js';
import { ConcurrencyLimiter } from '../polling/limiter.js';
import { pollSettings } from '../polling/poll-settings.js';
import type { ClusterPool, KubeChoice } from '../providers/kubernetes/cluster-pool.js';

/** What the provider says became of a deployment nobody followed to its end. */
export type ProviderAnswer =
  | { kind: 'final'; status: Extract<Status, 'success' | 'failed' | 'cancelled'>; detail: string }
  /** Still under way there: not stale, only unfollowed. */
  | { kind: 'running'; detail: string }
  /** The provider cannot be asked, or gave no answer that settles it. */
  | { kind: 'unknown'; reason: string };

/** An answer, and the status the record had when the provider was asked: it counts only if that still holds. */
export interface Reconciled {
  askedIn: Status;
  answer: ProviderAnswer;
}

/**
 * Asks each deployment's provider for its real outcome, once, outside any transaction (SHIPLOG_REQUEST_TIMEOUT
 * bounds each request). A deployment a provider cannot report on, or whose provider cannot be reached, keeps
 * an `unknown` answer that says why, so cleanup can say it per record; nothing here is ever a guess. `kube`: how
 * Kubernetes deployments are reached (`--kubeconfig`, `--context`).
 */
export async function askProviders(deployments: readonly AbandonedDeployment[], kube: KubeChoice = {}): Promise<Map<number, Reconciled>> {
  const settings = pollSettings({});
  const limiter = new ConcurrencyLimiter(settings.concurrency);
  let clusters: Promise<ClusterPool> | undefined;
  const asking: Asking = {
    timeoutMs: settings.requestTimeoutMs,
    clusters: () => (clusters ??= import('../providers/kubernetes/cluster-pool.js').then(({ ClusterPool }) => new ClusterPool(kube))),
  };
  const answers = await Promise.all(
    deployments.map((d) => limiter.run(async () => [d.id, { askedIn: d.status, answer: await askProvider(d, asking) }] as const)),
  );
  return new Map(answers);
}

/** What every question to a provider shares: the time one request may take, and the Kubernetes clusters, one per context. */
interface Asking {
  timeoutMs: number;
  clusters(): Promise<ClusterPool>;
}

async function askProvider(deployment: AbandonedDeployment, asking: Asking): Promise<ProviderAnswer> {
  switch (deployment.provider) {
    case 'command':
      return { kind: 'unknown', reason: 'a command deployment cannot be reconciled: its process is gone and its exit status was never recorded' };
    case 'manual':
      return { kind: 'unknown', reason: `a record-only deployment has no provider to ask; close it with 'shiplog finish ${deployment.key} --status ...'` };
    case 'ncp':
    case 'http':
      return askPolledService(deployment, asking.timeoutMs);
    case 'kubernetes':
      return askKubernetes(deployment, asking);
    case 'helm':
      return askHelm(deployment, asking);
  }
}

/** One read of an NCP or HTTP deployment's status, through the same probe `poll` uses. */
async function askPolledService(deployment: AbandonedDeployment, timeoutMs: number): Promise<ProviderAnswer> {
  try {
    const probe = await (await import('../polling/probe-for.js')).probeFor(deployment);
    const state = await probe.read({ signal: AbortSignal.timeout(timeoutMs), timeoutMs });
    const said = `${probe.service} reports '${state.remote}' (${state.description})`;
    if (state.meaning === 'running') return { kind: 'running', detail: said };
    if (state.meaning === 'unknown') return { kind: 'unknown', reason: `${said}, which does not settle it` };
    return { kind: 'final', status: state.meaning, detail: said };
  } catch (error) {
    return couldNotAsk(error);
  }
}

/**
 * The workload (Deployment, StatefulSet or DaemonSet) as it is now, judged by `track`'s rules for its kind, and
 * only for the generation this deployment's change produced: once someone changed the workload again, its state
 * says nothing about this rollout any more.
 */
async function askKubernetes(deployment: AbandonedDeployment, asking: Asking): Promise<ProviderAnswer> {
  try {
    const [{ readKubernetesTarget }, { describeWorkload, workloadVerdict }] = await Promise.all([
      import('../providers/kubernetes/target.js'),
      import('../providers/kubernetes/workload.js'),
    ]);
    const target = readKubernetesTarget(deployment.key, deployment.target);
    const { kind, generation } = target;
    const what = describeWorkload(target);
    if (generation === undefined) return { kind: 'unknown', reason: `no generation was recorded for ${what}, so its rollout cannot be told apart` };
    const observed = await (await asking.clusters()).get(target).readWorkload(target);
    const now = observed.metadata?.generation ?? 0;
    if (now > generation) {
      return { kind: 'unknown', reason: `${what} was changed again since (generation ${now}, this rollout ${generation}); its outcome can no longer be read` };
    }
    const verdict = workloadVerdict(kind, observed, generation);
    const said = `Kubernetes: ${what} ${verdict.message}`;
    if (verdict.state === 'complete') return { kind: 'final', status: 'success', detail: said };
    if (verdict.state === 'failed') return { kind: 'final', status: 'failed', detail: said };
    return { kind: 'running', detail: said };
  } catch (error) {
    return couldNotAsk(error);
  }
}

/**
 * The revision the deployment produced, judged as `track` judges it. A revision Helm still holds `pending-*` after
 * its follower is gone was left by a helm client that died: Helm never settles it, so the record is settled
 * `failed`, and the answer says how to release Helm's lock, which is left to a person (shiplog never writes
 * Helm's records).
 */
async function askHelm(deployment: AbandonedDeployment, asking: Asking): Promise<ProviderAnswer> {
  try {
    const [{ readHelmTarget }, { HelmRecords }, { readRevisionOutcome, lockAdvice }] = await Promise.all([
      import('../providers/helm/target.js'),
      import('../providers/helm/release-api.js'),
      import('../providers/helm/revision-outcome.js'),
    ]);
    const target = readHelmTarget(deployment.key, deployment.target);
    const cluster = (await asking.clusters()).get(target);
    const records = new HelmRecords(cluster);
    const outcome = await readRevisionOutcome(records, cluster, target);
    if (outcome.pendingStatus !== undefined) {
      return { kind: 'final', status: 'failed', detail: `${outcome.message}, with no helm process following it; ${await lockAdvice(records, target, outcome.pendingStatus)}` };
    }
    if (outcome.state === 'waiting') return { kind: 'running', detail: outcome.message };
    return { kind: 'final', status: outcome.state, detail: outcome.message };
  } catch (error) {
    return couldNotAsk(error);
  }
}

function couldNotAsk(error: unknown): ProviderAnswer {
  return { kind: 'unknown', reason: `could not ask: ${error instanceof Error ? error.message : String(error)}` };
}
