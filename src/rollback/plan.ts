import type { Deployment } from '../deployment/deployment.js';
import { UsageError } from '../errors.js';
import { commandPlan } from '../providers/command/plan.js';
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
 * - ncp: the same project, stage and scenario started again;
 * - command: only the command given after `--`, since shiplog never stores a command's arguments (they may
 *   hold secrets);
 * - http, manual: a record-only rollback, left running for CI to carry out and close with `finish`, because
 *   shiplog cannot start those itself (a status URL belongs to the run that was, not to a new one).
 * A command given after `--` for any other provider is run as the rollback.
 */
export async function planRollback(target: Deployment, argv: readonly string[], options: RollbackPlanOptions): Promise<DeployPlan> {
  if (target.provider === 'kubernetes') return kubernetesRollback(target, argv, options);
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
  // Another context is another name for the same cluster, or a mistake that would change a workload elsewhere.
  const reached = plan.target?.server;
  if (options.kube.context !== undefined && server !== undefined && reached !== server) {
    throw new UsageError(`--context '${options.kube.context}' reaches ${String(reached)}, but ${target.key} was deployed on ${server}; name the context of that API server`, 'wrong_cluster');
  }
  return plan;
}
