import { EnvironmentError } from '../errors.js';
import type { StoredRevision } from '../providers/helm/release-api.js';
import { formatDuration } from '../timing/duration.js';
import { ok, warn, type Check } from './check.js';
import type { KubernetesChoice } from './kubernetes-check.js';

/**
 * Helm's pending lock, the problem Helm users hit most: every release, in every namespace the credentials may
 * list, whose latest revision is `pending-*`, with how long it has been so and how to release it. A `warn`, not a
 * `fail`: an upgrade running right now is pending too, and the duration tells the two apart. Read only.
 */
export async function checkHelmReleases(env: NodeJS.ProcessEnv, choice: KubernetesChoice, now = Date.now()): Promise<Check[]> {
  const [{ loadKubeAccess }, { KubeCluster }, { HelmRecords }, { isPending }, { pendingLockAdvice }] = await Promise.all([
    import('../providers/kubernetes/kubeconfig.js'),
    import('../providers/kubernetes/cluster.js'),
    import('../providers/helm/release-api.js'),
    import('../providers/helm/release-status.js'),
    import('../providers/helm/pending-lock.js'),
  ]);
  const access = loadKubeAccess(choice, env);
  try {
    const history = await new HelmRecords(new KubeCluster(access)).history(undefined);
    const byRelease = new Map<string, StoredRevision[]>();
    for (const stored of history.revisions) {
      const key = `${stored.revision.namespace}/${stored.revision.release}`;
      byRelease.set(key, [...(byRelease.get(key) ?? []), stored]);
    }
    const checks: Check[] = history.unreadable.map((object) => warn('helm record', `${object.line}; Helm cannot read it either`));
    for (const [key, revisions] of byRelease) {
      const latest = revisions.at(-1)!;
      const { revision, status, lastDeployed } = latest.revision;
      if (!isPending(status)) continue;
      const lastGood = revisions.filter((r) => r.revision.status === 'deployed' || r.revision.status === 'superseded').at(-1)?.revision.revision;
      const since = lastDeployed === undefined ? '' : ` for ${formatDuration(now - Date.parse(lastDeployed))} (since ${lastDeployed})`;
      const advice = pendingLockAdvice({ namespace: latest.revision.namespace, release: latest.revision.release, revision, status, driver: latest.driver, lastGood });
      checks.push(warn(`helm release ${key}`, `revision ${revision} ${status}${since}; ${advice}`));
    }
    if (!checks.some((check) => check.check.startsWith('helm release '))) checks.push(ok('helm releases', `none of ${byRelease.size} release${byRelease.size === 1 ? '' : 's'} is held pending`));
    return checks;
  } catch (error) {
    if (error instanceof EnvironmentError) return [warn('helm releases', `${error.message}; Helm's pending locks were not checked`)];
    throw error;
  } finally {
    access.execPlugin?.close();
  }
}
