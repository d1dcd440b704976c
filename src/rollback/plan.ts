import type { Deployment } from '../deployment/deployment.js';
import { EnvironmentError, ShiplogError, UsageError } from '../errors.js';
import { commandPlan } from '../providers/command/plan.js';
import { requireExecutable } from '../providers/command/run-command.js';
import type { KubeChoice } from '../providers/kubernetes/cluster-pool.js';
import type { DeployPlan } from '../providers/provider.js';

export interface RollbackPlanOptions {
  wait: boolean;
  timeoutMs: number | undefined;
  /** `--kubeconfig`, and `--context` in place of the one the deployment was recorded with. */
  kube: KubeChoice;
}

/**
 * How a recorded success is deployed again, through the provider that deployed it:
 * - kubernetes: its image set again on the same workload (Deployment, StatefulSet or DaemonSet), container and context (or, with a command after
 *   `--`, that command run and the rollout it starts followed);
 * - helm: `helm rollback` to the revision that deployment produced (or the command after `--`), and the revision
 *   that makes followed;
 * - ncp: the same project, stage and scenario started again;
 * - command: only the command given after `--`, since shiplog never stores a command's arguments (they may
 *   hold secrets);
 * - http, manual: a record-only rollback, left running for CI to carry out and close with `finish`, because
 *   shiplog cannot start those itself (a status URL belongs to the run that was, not to a new one).
 * A command given after `--` for any other provider is run as the rollback.
 */
export async function planRollback(target: Deployment, argv: readonly string[], options: RollbackPlanOptions): Promise<DeployPlan> {
  if (target.provider === 'kubernetes') return kubernetesRollback(target, argv, options);
  if (target.provider === 'helm') return helmRollback(target, argv, options);
  const kubeOption = options.kube.kubeconfig !== undefined ? '--kubeconfig' : options.kube.context !== undefined ? '--context' : undefined;
  if (kubeOption) {
    throw new UsageError(`${kubeOption} is for a Kubernetes deployment, and ${target.key} was deployed by ${target.provider}; leave it out`, 'bad_value');
  }
  if (argv.length > 0) return commandPlan(argv, options.timeoutMs);
  switch (target.provider) {
    case 'command':
      throw new UsageError(
        `${target.key} was deployed by a command, and shiplog never stores a command's arguments (they may hold secrets): give the command that rolls back after --, e.g. 'shiplog rollback --app ${target.app} --env ${target.env} -- ./deploy.sh ${target.version ?? 'VERSION'}'`,
        'rollback_needs_command',
      );
    case 'ncp': {
      const text = (field: string) => (typeof target.target?.[field] === 'string' ? (target.target[field] as string) : undefined);
      return (await import('../providers/ncp/plan.js')).ncpPlan({
        ncpProject: text('projectId'),
        ncpStage: text('stageId'),
        ncpScenario: text('scenarioId'),
        ncpEndpoint: text('endpoint'),
        wait: options.wait,
      });
    }
    default:
      return { provider: 'manual', initialStatus: 'running', source: 'cli' };
  }
}

async function kubernetesRollback(target: Deployment, argv: readonly string[], options: RollbackPlanOptions): Promise<DeployPlan> {
  const { readKubernetesTarget } = await import('../providers/kubernetes/target.js');
  const { kind, namespace, name, container, context, server } = readKubernetesTarget(target.key, target.target);
  if (argv.length === 0 && !target.image) {
    throw new UsageError(
      `${target.key} recorded no image to set again on ${namespace}/${name}; give the command that rolls back after --, e.g. 'shiplog rollback --app ${target.app} --env ${target.env} -- helm rollback ...'`,
      'rollback_needs_command',
    );
  }
  const { kubernetesPlan } = await import('../providers/kubernetes/plan.js');
  const plan = await kubernetesPlan(
    {
      k8s: `${namespace}/${kind}/${name}`,
      container,
      kubeconfig: options.kube.kubeconfig,
      context: options.kube.context ?? context,
      image: argv.length === 0 ? (target.image ?? undefined) : undefined,
      wait: options.wait,
    },
    argv,
  );
  return onTheSameCluster(plan, target.key, server, options);
}

/**
 * Runs `helm rollback RELEASE REVISION --namespace NS --wait` with the revision the chosen record produced, never
 * Helm's own default (the latest revision minus one, whatever it was), through the kubeconfig context it was
 * deployed with; then follows the revision it makes like any `deploy --helm`. A command after `--` is run instead.
 * Without `helm` on PATH it is exit 5: the environment lacks a tool, the input is fine.
 */
async function helmRollback(target: Deployment, argv: readonly string[], options: RollbackPlanOptions): Promise<DeployPlan> {
  const { readHelmTarget } = await import('../providers/helm/target.js');
  const { namespace, release, revision, context, server } = readHelmTarget(target.key, target.target);
  const kubeContext = options.kube.context ?? context;
  const command =
    argv.length > 0
      ? argv
      : [
          'helm',
          'rollback',
          release,
          String(revision),
          '--namespace',
          namespace,
          '--wait',
          ...(kubeContext === undefined ? [] : ['--kube-context', kubeContext]),
          ...(options.kube.kubeconfig === undefined ? [] : ['--kubeconfig', options.kube.kubeconfig]),
          // Helm's own limit, so that Helm marks the revision failed itself rather than being stopped half-way.
          ...(options.timeoutMs === undefined ? [] : ['--timeout', `${Math.max(1, Math.floor(options.timeoutMs / 1_000))}s`]),
        ];
  if (argv.length === 0) {
    try {
      requireExecutable('helm');
    } catch (error) {
      if (!(error instanceof ShiplogError)) throw error;
      throw new EnvironmentError(
        `rolling ${target.key} back runs '${command.join(' ')}', and there is no helm on PATH; install Helm (https://helm.sh/docs/intro/install/), or give the command that rolls back after --`,
        'helm_missing',
      );
    }
  }
  const { helmPlan } = await import('../providers/helm/plan.js');
  const plan = await helmPlan({ helm: `${namespace}/${release}`, kubeconfig: options.kube.kubeconfig, context: kubeContext, wait: options.wait }, command);
  return onTheSameCluster(plan, target.key, server, options);
}

/** Another context is another name for the same cluster, or a mistake that would change a workload elsewhere. */
function onTheSameCluster(plan: DeployPlan, key: string, server: string | undefined, options: RollbackPlanOptions): DeployPlan {
  const reached = plan.target?.server;
  if (options.kube.context !== undefined && server !== undefined && reached !== server) {
    throw new UsageError(`--context '${options.kube.context}' reaches ${String(reached)}, but ${key} was deployed on ${server}; name the context of that API server`, 'wrong_cluster');
  }
  return plan;
}
