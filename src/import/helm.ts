import type { ImportCollector, ImportDefaults, ImportedDeployment, ImportSource } from '../deployment/imported.js';
import { EnvironmentError, UsageError } from '../errors.js';
import type { StoredRevision } from '../providers/helm/release-api.js';
import { importedStatus } from '../providers/helm/release-status.js';
import type { HelmTarget } from '../providers/helm/target.js';
import type { KubeChoice } from '../providers/kubernetes/cluster-pool.js';

/** Helm's history as an import source, with one line naming each stored object that did not decode. */
export interface HelmImportSource extends ImportSource {
  unreadable: string[];
}

/**
 * Reads every stored revision of a namespace's releases (or of one release) through the Kubernetes API: one record
 * per revision, app = the release (or --app, for one release), env = the namespace (or --env), version = the chart
 * version, the app version and Helm's words kept in the target, so a later `rollback` can `helm rollback` to it.
 * Helm's status becomes the record's (release-status.ts); a rollback ("Rollback to N") is a rollback of the
 * revision before it, the one it replaced, with N kept as `rollbackTo`. Each record keeps its storage object's
 * uid in its source key: Helm updates a revision in place (its uid stays), and a reinstall after an uninstall
 * starts its revisions at 1 again in new objects, which must not be taken for the old ones.
 * A stored object that does not decode is named and skipped; if nothing could be read at all, exit 5. The API's
 * answers are read whole before the first batch (Helm keeps a bounded number of revisions a release).
 */
export async function openHelm(ref: string, defaults: ImportDefaults, kube: KubeChoice): Promise<HelmImportSource> {
  const [{ parseReleaseRef }, { loadKubeAccess }, { KubeCluster }, { HelmRecords }, { revisionTarget }] = await Promise.all([
    import('../providers/helm/target.js'),
    import('../providers/kubernetes/kubeconfig.js'),
    import('../providers/kubernetes/cluster.js'),
    import('../providers/helm/release-api.js'),
    import('../providers/helm/plan.js'),
  ]);
  const { namespace, release } = parseReleaseRef(ref, 'import --from helm', true);
  if (defaults.app !== undefined && release === undefined) {
    throw new UsageError(`--app names the app of one release: give NAMESPACE/RELEASE, or leave --app out and each release is its own app`, 'bad_value');
  }
  const access = loadKubeAccess(kube);
  const records = new HelmRecords(new KubeCluster(access));
  try {
    const history = await records.history(namespace, release);
    const where = release === undefined ? `namespace ${namespace}` : `release ${namespace}/${release}`;
    if (history.revisions.length === 0 && history.unreadable.length > 0) {
      throw new EnvironmentError(`none of Helm's ${history.unreadable.length} stored records in ${where} could be read (${history.unreadable[0]!.line}); nothing was imported`, 'helm_unreadable');
    }
    if (history.revisions.length === 0 && release !== undefined) {
      throw new EnvironmentError(`no Helm release ${namespace}/${release} at ${access.server} (context '${access.context}'): nothing labelled owner=helm,name=${release} there`, 'helm_not_found');
    }
    const cluster = { context: access.context, server: access.server };
    return {
      unreadable: history.unreadable.map((object) => object.line),
      *batches(collected: ImportCollector) {
        for (const [i, stored] of history.revisions.entries()) {
          const previous = history.revisions[i - 1];
          const replaced = previous && previous.revision.release === stored.revision.release && previous.revision.namespace === stored.revision.namespace ? previous : undefined;
          const status = importedStatus(stored.revision.status);
          const at = stored.revision.lastDeployed ?? stored.revision.firstDeployed;
          if (!status) collected.skip(`a Helm status shiplog does not import (${stored.revision.status})`);
          else if (!at) collected.skip('a revision without a time');
          else {
            const target = revisionTarget({ namespace: stored.revision.namespace, release: stored.revision.release, ...cluster }, stored);
            const full = collected.keep(toImported(stored, replaced, target, { app: defaults.app ?? stored.revision.release, env: defaults.env ?? stored.revision.namespace, status, at }));
            if (full) yield full;
          }
        }
        history.unreadable.forEach(() => collected.skip("a stored record that does not decode as Helm's (base64, gzip, JSON)"));
        yield collected.take();
      },
      close: () => undefined,
    };
  } finally {
    access.execPlugin?.close();
  }
}

function toImported(
  stored: StoredRevision,
  replaced: StoredRevision | undefined,
  recorded: HelmTarget,
  known: { app: string; env: string; status: ImportedDeployment['status']; at: string },
): ImportedDeployment {
  const { revision } = stored;
  const target: HelmTarget & { rollbackTo?: number } = { ...recorded, ...(revision.rollbackTo === undefined ? {} : { rollbackTo: revision.rollbackTo }) };
  const uninstalled = revision.status === 'uninstalled' ? [{ at: revision.deleted ?? known.at, detail: `Helm uninstalled release ${revision.namespace}/${revision.release} (${revision.description || 'Uninstallation complete'})` }] : [];
  return {
    sourceKey: sourceKey(stored),
    app: known.app,
    env: known.env,
    version: revision.chartVersion ?? null,
    commitSha: null,
    repo: null,
    image: null,
    provider: 'helm',
    target,
    status: known.status,
    isRollback: revision.rollbackTo !== undefined,
    rollbackOfSource: revision.rollbackTo !== undefined && replaced ? sourceKey(replaced) : null,
    rolledBackBySource: null,
    operator: null,
    message: revision.description || null,
    error: known.status === 'failed' ? revision.description || `revision ${revision.revision} failed` : null,
    createdAt: known.at,
    startedAt: known.at,
    completedAt: known.status === 'stale' ? null : known.at,
    later: uninstalled,
  };
}

function sourceKey(stored: StoredRevision): string {
  const { namespace, release, revision } = stored.revision;
  return `helm:${namespace}/${release}.v${revision}:${stored.uid}`;
}
