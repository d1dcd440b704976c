import { ApiException, HttpMethod, type Configuration, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';

/** The core objects shiplog reads: Helm's release records. */
export type CoreObjectKind = 'secrets' | 'configmaps';

export interface CoreObjectList<T> {
  items: T[];
  metadata?: { continue?: string };
}

/** One page of a list query: a label selector, a page size, and where the last page ended. */
export interface ListPage {
  labelSelector: string;
  limit: number;
  continue?: string;
}

/**
 * Reads Secrets and ConfigMaps through the client's own request path (its server, credentials and middleware,
 * the request timeout included), as the generated CoreV1Api would. That class holds every core resource's
 * calls, 1.5 MB of source in the vendor file every Kubernetes command loads (track's memory goal counts it), for
 * the two GETs Helm's records need. A failure is the client's ApiException, as from a generated call.
 */
export class CoreObjects {
  constructor(private readonly configuration: Configuration) {}

  list<K extends CoreObjectKind>(kind: K, namespace: string | undefined, page: ListPage): Promise<CoreObjectList<K extends 'secrets' ? V1Secret : V1ConfigMap>> {
    const path = namespace === undefined ? `/api/v1/${kind}` : `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}`;
    return this.get(path, { labelSelector: page.labelSelector, limit: String(page.limit), ...(page.continue ? { continue: page.continue } : {}) });
  }

  read<K extends CoreObjectKind>(kind: K, namespace: string, name: string): Promise<K extends 'secrets' ? V1Secret : V1ConfigMap> {
    return this.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind}/${encodeURIComponent(name)}`, {});
  }

  private async get<T>(path: string, query: Record<string, string>): Promise<T> {
    let request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(query)) request.setQueryParam(name, value);
    await this.configuration.authMethods.default?.applySecurityAuthentication(request);
    for (const middleware of this.configuration.middleware) request = await middleware.pre(request).toPromise();
    let response = await this.configuration.httpApi.send(request).toPromise();
    for (const middleware of [...this.configuration.middleware].reverse()) response = await middleware.post(response).toPromise();
    const body = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new ApiException(response.httpStatusCode, `HTTP ${response.httpStatusCode} for GET ${path}`, body, response.headers);
    }
    return JSON.parse(body) as T;
  }
}
