import { EnvironmentError } from '../errors.js';
import { fail, ok, type Check } from './check.js';
import { checkWorkloadAccess } from './kubernetes-workloads-check.js';

/** How long the API server may take to say its version. */
const versionTimeoutMs = 10_000;
/** How long a stopped exec plugin has to report its failure before doctor gives the bare timeout instead. */
const pluginStopGraceMs = 1_000;

export interface KubernetesChoice {
  kubeconfig?: string;
  context?: string;
}

/** Whether this environment sets up Kubernetes: --kubeconfig, --context or $KUBECONFIG. */
export function kubernetesConfigured(env: NodeJS.ProcessEnv, choice: KubernetesChoice): boolean {
  return choice.kubeconfig !== undefined || choice.context !== undefined || (env.KUBECONFIG ?? '') !== '';
}

/**
 * The kubeconfig loads and names a usable context (the provider's own loader, so doctor sees what deploy and
 * track will), and the API server answers `/version` with those credentials, as `kubectl version` asks. Any
 * answer but 401 and 403 means the server is reachable and took the credentials; then whether each kind of
 * workload can be listed.
 */
export async function checkKubernetes(env: NodeJS.ProcessEnv, choice: KubernetesChoice): Promise<Check[]> {
  const [{ loadKubeAccess }, { describeApiFailure, httpStatusOf }, { readServerVersion }] = await Promise.all([
    import('../providers/kubernetes/kubeconfig.js'),
    import('../providers/kubernetes/api-failure.js'),
    import('../providers/kubernetes/server-version.js'),
  ]);
  let access;
  try {
    access = loadKubeAccess(choice, env);
  } catch (error) {
    if (error instanceof EnvironmentError) return [fail('kubernetes context', error.message)];
    throw error;
  }
  const checks = [ok('kubernetes context', `'${access.context}' at ${access.server}`)];
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = readServerVersion(access);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // An exec plugin that hangs is a common reason for no answer: stopping it lets its own failure line (which
        // plugin, what it said) win the race over the bare timeout a moment later.
        access.execPlugin?.close();
        timer = setTimeout(() => reject(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })), pluginStopGraceMs);
      }, versionTimeoutMs);
    });
    const version = await Promise.race([answered, timedOut]);
    return [...checks, ok('kubernetes api', `reachable, Kubernetes ${version}`), ...(await checkWorkloadAccess(access))];
  } catch (error) {
    const status = httpStatusOf(error);
    if (status !== undefined && status !== 401 && status !== 403) return [...checks, ok('kubernetes api', `reachable (it answered HTTP ${status} for /version)`)];
    return [...checks, fail('kubernetes api', describeApiFailure(error, access, 'reading the server version').message)];
  } finally {
    clearTimeout(timer);
    // A plugin still running would keep the process alive until the plugin's own bound.
    access.execPlugin?.close();
  }
}
