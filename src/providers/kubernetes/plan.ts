import type { V1Container } from '@kubernetes/client-node';
import { UsageError } from '../../errors.js';
import { nodeStandardStream } from '../../terminal/standard-stream.js';
import { commandOutcome } from '../command/outcome.js';
import { requireExecutable, runCommand } from '../command/run-command.js';
import { FailedAfterApplying, type DeployPlan } from '../provider.js';
import type { ProviderOptions } from '../provider.js';
import { KubeCluster, type Workload } from './cluster.js';
import { followRollout } from './follow-rollout.js';
import { loadKubeAccess } from './kubeconfig.js';
import { checkContainerName, type KubernetesTarget } from './target.js';
import { describeWorkload, parseWorkloadRef, unfollowableReason, type WorkloadRef } from './workload.js';

/** The annotation the deployment controller keeps the current revision number in. */
const revisionAnnotation = 'deployment.kubernetes.io/revision';

/**
 * `deploy --k8s NAMESPACE/NAME` (a Deployment) or `NAMESPACE/KIND/NAME` (a Deployment, StatefulSet or DaemonSet).
 * Everything that can fail before a change is checked here, before the record is written: the names, the
 * kubeconfig and context, that the workload exists and is readable, that its rollout can be followed at all (an
 * `OnDelete` update strategy cannot, exit 2 with kubectl's reason), and which container `--image` is for. Then,
 * by the options:
 * - `--image REF`: `start` sets that container's image (strategic merge patch), keeping the old one on the record;
 * - a command after `--`: `start` runs it (helm, kubectl apply, …), and the rollout it started is followed
 *   (`--image`, if given too, is only recorded: the command is what sets it);
 * - neither: the rollout already under way (its current generation) is recorded as running and followed.
 * With `--wait`, `follow` watches the rollout to its outcome like `track`.
 */
export async function kubernetesPlan(options: ProviderOptions, argv: readonly string[]): Promise<DeployPlan> {
  const ref = parseWorkloadRef(options.k8s ?? '');
  const wanted = options.container === undefined ? undefined : checkContainerName(options.container);
  if (options.image !== undefined && !/^\S+$/.test(options.image)) throw new UsageError(`--image: '${options.image}' is not an image reference`, 'bad_value');
  if (argv.length > 0) requireExecutable(argv[0]!);
  const setsImage = options.image !== undefined && argv.length === 0;

  const access = loadKubeAccess({ kubeconfig: options.kubeconfig, context: options.context });
  const cluster = new KubeCluster(access);
  const current = await cluster.readWorkload(ref);
  const refusal = unfollowableReason(ref.kind, current);
  if (refusal) {
    throw new UsageError(`${describeWorkload(ref)}: ${refusal}; shiplog follows only what kubectl rollout status follows, so it changed nothing`, 'not_followable');
  }
  const container = chooseContainer(current, wanted, setsImage, ref);
  const target: KubernetesTarget = { ...ref, container: container?.name, context: access.context, server: access.server };
  const follow: DeployPlan['follow'] = options.wait ? (tracker, deployment, { out: output, deadline }) => followRollout(tracker, cluster, deployment, output, deadline) : undefined;

  if (!setsImage && argv.length === 0) {
    return { provider: 'kubernetes', target: { ...target, generation: current.metadata?.generation }, initialStatus: 'running', source: 'watch', follow };
  }
  const before: KubernetesTarget = { ...target, previousImage: container?.image, previousRevision: ref.kind === 'deployment' ? current.metadata?.annotations?.[revisionAnnotation] : undefined };
  return {
    provider: 'kubernetes',
    target: before,
    initialStatus: 'pending',
    source: 'watch',
    async start(_deployment, _out, { deadline }) {
      if (setsImage) {
        const patched = await cluster.setImage(ref, container!.name, options.image!);
        return { generation: patched.metadata?.generation };
      }
      await runDeployCommand(argv, deadline === undefined ? undefined : Math.max(1, deadline - Date.now()));
      const started = await cluster.readWorkload(ref);
      return { generation: started.metadata?.generation };
    },
    follow,
  };
}

/**
 * The container `--image` is for: the one named by `--container`, else the only one. When the image is set
 * elsewhere (a command, or an earlier apply) the container is only recorded, and only when it is unambiguous.
 */
function chooseContainer(workload: Workload, wanted: string | undefined, required: boolean, ref: WorkloadRef): V1Container | undefined {
  const containers = workload.spec?.template?.spec?.containers ?? [];
  if (wanted !== undefined) {
    const found = containers.find((container) => container.name === wanted);
    if (!found) throw new UsageError(`${describeWorkload(ref)} has no container '${wanted}'; it has ${names(containers)}`, 'bad_value');
    return found;
  }
  if (containers.length === 1) return containers[0];
  if (required) throw new UsageError(`${describeWorkload(ref)} has ${containers.length} containers (${names(containers)}); say which with --container`, 'bad_value');
  return undefined;
}

function names(containers: readonly V1Container[]): string {
  return containers.length === 0 ? 'none' : containers.map((container) => container.name).join(', ');
}

/**
 * Runs the command that changes the workload (no shell, output streamed to stderr as `deploy -- COMMAND` does),
 * stopped like `deploy -- COMMAND` when --timeout runs out. Its failure fails the deployment with the tail of its
 * output, like `deploy -- COMMAND`.
 */
async function runDeployCommand(argv: readonly string[], timeoutMs: number | undefined): Promise<void> {
  const exit = await runCommand(argv, { stdout: nodeStandardStream(2), stderr: nodeStandardStream(2), timeoutMs }).exited;
  const outcome = commandOutcome(exit);
  if (outcome.to !== 'success') throw new FailedAfterApplying(outcome.error ?? outcome.detail ?? 'the command failed');
}
