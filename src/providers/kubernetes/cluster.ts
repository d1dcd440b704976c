import {
  AppsV1Api,
  createConfiguration,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
  Watch,
  type Configuration,
  type Middleware,
  type V1ListMeta,
  type V1DaemonSet,
  type V1Deployment,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import { envMs } from '../../config/tuning-env.js';
import { describeApiFailure, httpStatusOf, type ApiWhere } from './api-failure.js';
import type { KubeAccess } from './kubeconfig.js';
import { describeWorkload, kindResource, kindTitle, type WorkloadKind, type WorkloadRef } from './workload.js';

/** How long one API call (not a watch) may take before it counts as unanswered. */
const requestTimeoutMs = envMs(process.env, 'SHIPLOG_KUBE_REQUEST_TIMEOUT_MS') ?? 30_000;

/** A watch event as the API server sends it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, with its object. */
export type WatchEventHandler = (type: string, object: unknown) => void;

/** A Deployment, StatefulSet or DaemonSet as the client returns it. */
export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

/** Which page of a list to ask for: at most `limit` workloads, after those of the page whose token is `continue`. */
export interface ListPage {
  limit: number;
  continue?: string;
}

/** One list answer: its workloads, the resourceVersion of the snapshot it was read from, the next page's token. */
export interface ListedWorkloads {
  items: Workload[];
  resourceVersion: string;
  continue: string | undefined;
}

/**
 * The few calls shiplog makes on workloads (Deployments, StatefulSets, DaemonSets), through one kubeconfig
 * context. Each failure becomes one line that names the context and the server (never a credential); a workload
 * that does not exist is one as well.
 */
export class KubeCluster {
  /** What every API client of this context is made from: its server, its credentials, the request timeout. */
  readonly configuration: Configuration;
  private readonly apps: AppsV1Api;
  private readonly watcher: Watch;

  constructor(private readonly access: KubeAccess) {
    const cluster = access.config.getCurrentCluster()!;
    const timeout: Middleware = {
      pre: async (request) => {
        request.setSignal(AbortSignal.timeout(requestTimeoutMs));
        return request;
      },
      post: async (response) => response,
    };
    this.configuration = createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: access.config }, promiseMiddleware: [timeout] });
    this.apps = new AppsV1Api(this.configuration);
    this.watcher = new Watch(access.config);
  }

  get where(): ApiWhere {
    return { context: this.access.context, server: this.access.server };
  }

  /** Ends what this cluster may have left running outside the process: its exec credential plugin. */
  close(): void {
    this.access.execPlugin?.close();
  }

  async readWorkload(ref: WorkloadRef): Promise<Workload> {
    const { namespace, name } = ref;
    try {
      switch (ref.kind) {
        case 'deployment':
          return await this.apps.readNamespacedDeployment({ namespace, name });
        case 'statefulset':
          return await this.apps.readNamespacedStatefulSet({ namespace, name });
        case 'daemonset':
          return await this.apps.readNamespacedDaemonSet({ namespace, name });
      }
    } catch (error) {
      if (httpStatusOf(error) === 404) {
        throw new EnvironmentError(`no ${describeWorkload(ref)} at ${this.access.server} (context '${this.access.context}'); check the namespace, kind and name`, 'k8s_not_found');
      }
      throw describeApiFailure(error, this.where, `reading ${describeWorkload(ref)}`);
    }
  }

  /**
   * Sets one container's image by strategic merge patch: the containers list merges by name, so the other
   * containers and fields stay as they are. Without the explicit Content-Type the client sends JSON Patch,
   * which the API server rejects for a body of this shape.
   */
  async setImage(ref: WorkloadRef, container: string, image: string): Promise<Workload> {
    const { namespace, name } = ref;
    const body = { spec: { template: { spec: { containers: [{ name: container, image }] } } } };
    const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    try {
      switch (ref.kind) {
        case 'deployment':
          return await this.apps.patchNamespacedDeployment({ namespace, name, body }, options);
        case 'statefulset':
          return await this.apps.patchNamespacedStatefulSet({ namespace, name, body }, options);
        case 'daemonset':
          return await this.apps.patchNamespacedDaemonSet({ namespace, name, body }, options);
      }
    } catch (error) {
      throw describeApiFailure(error, this.where, `setting the image of ${describeWorkload(ref)}`);
    }
  }

  /**
   * One list request for the workloads of one kind in a namespace: all of them, or with `page` at most `limit`
   * from where `continue` (the token of the page before) left off. `continue` in the answer is the token of the
   * next page; undefined on the last. Every page of one list is read from the same snapshot, whose
   * resourceVersion each carries. A token the server no longer holds is refused 410.
   */
  async listWorkloads(kind: WorkloadKind, namespace: string, page?: ListPage): Promise<ListedWorkloads> {
    try {
      const list = await this.listOf(kind, namespace, page);
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '', continue: list.metadata?._continue || undefined };
    } catch (error) {
      throw describeApiFailure(error, this.where, `listing ${kindTitle(kind)}s in namespace ${namespace}`);
    }
  }

  private listOf(kind: WorkloadKind, namespace: string, page: ListPage | undefined): Promise<{ items: Workload[]; metadata?: V1ListMeta }> {
    const request = { namespace, limit: page?.limit, _continue: page?.continue };
    switch (kind) {
      case 'deployment':
        return this.apps.listNamespacedDeployment(request);
      case 'statefulset':
        return this.apps.listNamespacedStatefulSet(request);
      case 'daemonset':
        return this.apps.listNamespacedDaemonSet(request);
    }
  }

  /**
   * Opens one watch on the workloads of one kind in a namespace from `resourceVersion`. `done` is called once,
   * when the connection ends for any reason (with the error, if any); the returned controller ends it early. The
   * client neither times a watch out nor reconnects it: the caller does both.
   */
  watchWorkloads(
    kind: WorkloadKind,
    namespace: string,
    query: { resourceVersion: string; timeoutSeconds: number },
    onEvent: WatchEventHandler,
    done: (error: unknown) => void,
  ): Promise<AbortController> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${kindResource(kind)}`;
    return this.watcher.watch(path, { ...query, allowWatchBookmarks: true }, (type, object) => onEvent(type, object), done);
  }
}
