import { EnvironmentError, UsageError } from '../../errors.js';
import { nodeStandardStream } from '../../terminal/standard-stream.js';
import { commandOutcome } from '../command/outcome.js';
import { requireExecutable, runCommand } from '../command/run-command.js';
import { KubeCluster } from '../kubernetes/cluster.js';
import { loadKubeAccess } from '../kubernetes/kubeconfig.js';
import { FailedAfterApplying, type DeployPlan, type ProviderOptions } from '../provider.js';
import { followRelease } from './follow-release.js';
import { HelmRecords, type StoredRevision } from './release-api.js';
import { parseReleaseRef, type HelmTarget } from './target.js';

/**
 * `deploy --helm NAMESPACE/RELEASE`. Checked before the record is written: the names, the kubeconfig and context,
 * and that Helm's records of the release can be read. Then:
 * - a command after `--` (`helm upgrade`, `sbkube deploy`): `start` runs it, and the revision it produced is
 *   recorded and followed;
 * - none (CI ran Helm in an earlier step): the release's latest revision is recorded as running and followed.
 * With `--wait`, `follow` reads the revision until Helm and the workloads of its manifest have an outcome.
 */
export async function helmPlan(options: ProviderOptions, argv: readonly string[]): Promise<DeployPlan> {
  const { namespace, release } = parseReleaseRef(options.helm ?? '', '--helm');
  if (options.container !== undefined) throw new UsageError('--container is for --k8s; a Helm release sets its images through its chart values', 'bad_value');
  if (argv.length > 0) requireExecutable(argv[0]!);
  const access = loadKubeAccess({ kubeconfig: options.kubeconfig, context: options.context });
  const cluster = new KubeCluster(access);
  const records = new HelmRecords(cluster);
  const where = { namespace, release: release!, context: access.context, server: access.server };
  const before = await latestRevision(records, namespace, release!);
  const follow: DeployPlan['follow'] = options.wait ? (tracker, deployment, { out, deadline }) => followRelease(tracker, cluster, deployment, out, deadline) : undefined;

  if (argv.length === 0) {
    if (!before) {
      throw new EnvironmentError(
        `no Helm release ${namespace}/${release} at ${access.server} (context '${access.context}'): no Secret or ConfigMap labelled owner=helm,name=${release} there; check the namespace and release, or give the helm command after --`,
        'helm_not_found',
      );
    }
    return { provider: 'helm', target: revisionTarget(where, before), initialStatus: 'running', source: 'poll', follow };
  }
  const target: HelmTarget = { ...where, previousRevision: before?.revision.revision };
  return {
    provider: 'helm',
    target,
    initialStatus: 'pending',
    source: 'poll',
    async start(_deployment, out, { deadline }) {
      const exit = await runCommand(argv, { stdout: nodeStandardStream(2), stderr: nodeStandardStream(2), timeoutMs: deadline === undefined ? undefined : Math.max(1, deadline - Date.now()) }).exited;
      const outcome = commandOutcome(exit);
      const after = await latestRevision(records, namespace, release!).catch(() => undefined);
      const produced = after && after.revision.revision !== before?.revision.revision ? after : undefined;
      if (outcome.to !== 'success') {
        const helmSaid = produced ? `; Helm: revision ${produced.revision.revision} ${produced.revision.status}${produced.revision.description ? ` (${produced.revision.description})` : ''}` : '';
        throw new FailedAfterApplying(`${outcome.error ?? outcome.detail ?? 'the command failed'}${helmSaid}`);
      }
      if (!after) throw new FailedAfterApplying(`the command succeeded, but Helm has no record of ${namespace}/${release}; did it install another release or namespace?`);
      if (!produced) out.progress(`the command made no new revision of ${namespace}/${release}; following revision ${after.revision.revision}, the latest`);
      return revisionTarget(where, after);
    },
    follow,
  };
}

/** The latest revision Helm stored of a release; exit 5 when that one (by its object's name) does not decode. */
export async function latestRevision(records: HelmRecords, namespace: string, release: string): Promise<StoredRevision | undefined> {
  const history = await records.history(namespace, release);
  const latest = history.revisions.at(-1);
  const newer = history.unreadable.find((object) => object.revision === undefined || object.revision > (latest?.revision.revision ?? 0));
  if (newer) throw new EnvironmentError(`${newer.line}; it is the latest revision of ${namespace}/${release}, so shiplog cannot tell what Helm did`, 'helm_unreadable');
  return latest;
}

/** What the record keeps of a revision: where it is, its number, chart and versions, and what Helm said of it. */
export function revisionTarget(where: Pick<HelmTarget, 'namespace' | 'release' | 'context' | 'server'>, stored: StoredRevision): HelmTarget {
  const { revision } = stored;
  return {
    ...where,
    revision: revision.revision,
    chart: revision.chart,
    chartVersion: revision.chartVersion,
    appVersion: revision.appVersion,
    helmStatus: revision.status,
    description: revision.description,
    driver: stored.driver,
  };
}
