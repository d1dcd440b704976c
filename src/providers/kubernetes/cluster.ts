import {
  AppsV1Api,
  createConfiguration,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
  Watch,
  type Middleware,
  type V1Deployment,
} from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import { envMs } from '../../config/tuning-env.js';
import { describeApiFailure, httpStatusOf, type ApiWhere } from './api-failure.js';
import type { KubeAccess } from './kubeconfig.js';

/** How long one API call (not a watch) may take before it counts as unanswered. */
const requestTimeoutMs = envMs(process.env, 'SHIPLOG_KUBE_REQUEST_TIMEOUT_MS') ?? 30_000;

/** A watch event as the API server sends it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, with its object. */
export type WatchEventHandler = (type: string, object: unknown) => void;

/**
 * The few Deployment calls shiplog makes, through one kubeconfig context. Each failure becomes one line that
 * names the context and the server (never a credential); a Deployment that does not exist is one as well.
 */
export class KubeCluster {
  private readonly apps: AppsV1Api;
  private readonly watcher: Watch;

  constructor(readonly access: KubeAccess) {
    const cluster = access.config.getCurrentCluster()!;
    const timeout: Middleware = {
      pre: async (request) => {
        request.setSignal(AbortSignal.timeout(requestTimeoutMs));
        return request;
      },
      post: async (response) => response,
    };
    this.apps = new AppsV1Api(
      createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: access.config }, promiseMiddleware: [timeout] }),
    );
    this.watcher = new Watch(access.config);
  }

  get where(): ApiWhere {
    return { context: this.access.context, server: this.access.server };
  }

  /** Ends what this cluster may have left running outside the process: its exec credential plugin. */
  close(): void {
    this.access.execPlugin?.close();
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    try {
      return await this.apps.readNamespacedDeployment({ namespace, name });
    } catch (error) {
      if (httpStatusOf(error) === 404) {
        throw new EnvironmentError(`no Deployment ${namespace}/${name} at ${this.access.server} (context '${this.access.context}'); check the namespace and name`, 'k8s_not_found');
      }
      throw describeApiFailure(error, this.where, `reading Deployment ${namespace}/${name}`);
    }
  }

  /**
   * Sets one container's image by strategic merge patch: the containers list merges by name, so the other
   * containers and fields stay as they are. Without the explicit Content-Type the client sends JSON Patch,
   * which the API server rejects for a body of this shape.
   */
  async setImage(namespace: string, name: string, container: string, image: string): Promise<V1Deployment> {
    const body = { spec: { template: { spec: { containers: [{ name: container, image }] } } } };
    try {
      return await this.apps.patchNamespacedDeployment({ namespace, name, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    } catch (error) {
      throw describeApiFailure(error, this.where, `setting the image of Deployment ${namespace}/${name}`);
    }
  }

  async listDeployments(namespace: string): Promise<{ items: V1Deployment[]; resourceVersion: string }> {
    try {
      const list = await this.apps.listNamespacedDeployment({ namespace });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    } catch (error) {
      throw describeApiFailure(error, this.where, `listing Deployments in namespace ${namespace}`);
    }
  }

  /**
   * Opens one watch on the Deployments of a namespace from `resourceVersion`. `done` is called once, when the
   * connection ends for any reason (with the error, if any); the returned controller ends it early. The
   * client neither times a watch out nor reconnects it: the caller does both.
   */
  watchDeployments(namespace: string, query: { resourceVersion: string; timeoutSeconds: number }, onEvent: WatchEventHandler, done: (error: unknown) => void): Promise<AbortController> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`;
    return this.watcher.watch(path, { ...query, allowWatchBookmarks: true }, (type, object) => onEvent(type, object), done);
  }
}
