import { VersionApi } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';

/**
 * The API server's version (`GET /version`, what `kubectl version` asks), with the context's credentials; the
 * client's errors are passed on as they are. Imported by name here, not as the client's whole namespace, so
 * the bundle keeps only the parts of the client shiplog uses (see scripts/build.mjs).
 */
export async function readServerVersion(access: KubeAccess): Promise<string> {
  return (await access.config.makeApiClient(VersionApi).getCode()).gitVersion;
}
