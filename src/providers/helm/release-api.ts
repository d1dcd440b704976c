import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import { describeApiFailure, httpStatusOf, type ApiWhere } from '../kubernetes/api-failure.js';
import type { KubeCluster } from '../kubernetes/cluster.js';
import { CoreObjects, type ListPage } from '../kubernetes/core-objects.js';
import { decodeRevision, revisionObjectName, UnreadableRevision, type HelmDriver, type HelmRevision } from './release-record.js';

/** Objects a list asks for at a time: each holds a whole gzipped manifest, so a namespace's history comes in pages. */
const pageSize = 100;

/** A revision read from Helm's storage, with where it is kept. */
export interface StoredRevision {
  revision: HelmRevision;
  driver: HelmDriver;
  /** The storage object's uid: stays while Helm updates the revision, differs once a reinstall starts its numbers again. */
  uid: string;
}

/** A stored object whose record does not decode: the line that says so, and the revision its name gives. */
export interface UnreadableObject {
  line: string;
  revision: number | undefined;
}

/** What a history read found: the revisions it could decode, and the objects it could not. */
export interface ReleaseHistory {
  revisions: StoredRevision[];
  unreadable: UnreadableObject[];
}

/**
 * Reads Helm's release records through the Kubernetes API, as Helm's Secret and ConfigMap drivers store them
 * (objects labelled `owner=helm`, `name=RELEASE`), without the `helm` binary. Read only: shiplog never writes them.
 */
export class HelmRecords {
  private readonly core: CoreObjects;
  private readonly where: ApiWhere;

  constructor(cluster: KubeCluster) {
    this.core = new CoreObjects(cluster.configuration);
    this.where = cluster.where;
  }

  /**
   * Every stored revision of one release, of every release of a namespace, or (namespace undefined) of every
   * namespace, oldest first by namespace, release and revision. Both drivers are read; one the credentials may
   * not list is passed over when the other answered, since a cluster's Helm uses one of them.
   */
  async history(namespace: string | undefined, release?: string): Promise<ReleaseHistory> {
    const labelSelector = release === undefined ? 'owner=helm' : `owner=helm,name=${release}`;
    const where = namespace === undefined ? 'all namespaces' : `namespace ${namespace}`;
    const [secrets, configMaps] = await Promise.allSettled([
      this.listAll<V1Secret>((page) => this.core.list('secrets', namespace, page), labelSelector),
      this.listAll<V1ConfigMap>((page) => this.core.list('configmaps', namespace, page), labelSelector),
    ]);
    const refused = (result: PromiseSettledResult<unknown>) => result.status === 'rejected' && httpStatusOf(result.reason) === 403;
    for (const [result, kind] of [[secrets, 'Secrets'], [configMaps, 'ConfigMaps']] as const) {
      if (result.status === 'rejected' && !(refused(result) && !refused(result === secrets ? configMaps : secrets))) {
        throw describeApiFailure(result.reason, this.where, `listing Helm's ${kind} in ${where}`);
      }
    }
    const found: ReleaseHistory = { revisions: [], unreadable: [] };
    const take = (object: V1Secret | V1ConfigMap, driver: HelmDriver) => {
      const read = this.decode(object, driver);
      const named = /\.v(\d+)$/.exec(object.metadata?.name ?? '');
      if (typeof read === 'string') found.unreadable.push({ line: read, revision: named ? Number(named[1]) : undefined });
      else found.revisions.push(read);
    };
    if (secrets.status === 'fulfilled') for (const secret of secrets.value) take(secret, 'secret');
    if (configMaps.status === 'fulfilled') for (const configMap of configMaps.value) take(configMap, 'configmap');
    found.revisions.sort((a, b) => compare(a.revision.namespace, b.revision.namespace) || compare(a.revision.release, b.revision.release) || a.revision.revision - b.revision.revision);
    return found;
  }

  /**
   * One revision, from the driver it was found in before (both, Secret first, when unknown); `deleted` when neither
   * holds it. A record that does not decode is exit 5, naming the object.
   */
  async revision(namespace: string, release: string, revision: number, driver?: HelmDriver): Promise<StoredRevision | 'deleted'> {
    const name = revisionObjectName(release, revision);
    for (const kind of driver === undefined ? (['secret', 'configmap'] as const) : [driver]) {
      let object: V1Secret | V1ConfigMap;
      try {
        object = kind === 'secret' ? await this.core.read('secrets', namespace, name) : await this.core.read('configmaps', namespace, name);
      } catch (error) {
        if (httpStatusOf(error) === 404) continue;
        throw describeApiFailure(error, this.where, `reading Helm's record ${namespace}/${name}`);
      }
      const read = this.decode(object, kind);
      if (typeof read === 'string') throw new EnvironmentError(`${read}; Helm's record cannot be read`, 'helm_unreadable');
      return read;
    }
    return 'deleted';
  }

  private async listAll<T extends V1Secret | V1ConfigMap>(
    list: (page: ListPage) => Promise<{ items: T[]; metadata?: { continue?: string } }>,
    labelSelector: string,
  ): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = await list({ labelSelector, limit: pageSize, ...(next ? { continue: next } : {}) });
      items.push(...page.items);
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** The revision an object holds, or the line that says why it cannot be read. */
  private decode(object: V1Secret | V1ConfigMap, driver: HelmDriver): StoredRevision | string {
    const name = `${driver === 'secret' ? 'Secret' : 'ConfigMap'} ${object.metadata?.namespace ?? '?'}/${object.metadata?.name ?? '?'}`;
    const data = object.data?.release;
    if (typeof data !== 'string') return `${name} has no release data`;
    try {
      const revision = decodeRevision(data, driver);
      return { revision: { ...revision, namespace: revision.namespace || (object.metadata?.namespace ?? '') }, driver, uid: object.metadata?.uid ?? '' };
    } catch (error) {
      if (error instanceof UnreadableRevision) return `${name}: ${error.message}`;
      throw error;
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
