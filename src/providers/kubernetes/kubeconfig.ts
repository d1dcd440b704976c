import { accessSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import { ExecPlugin, type ExecConfig } from './exec-plugin.js';

/** Where a pod's service account token is mounted; its presence means shiplog runs inside a cluster. */
const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** A kubeconfig narrowed to one context: what every call to the API server is made with. */
export interface KubeAccess {
  config: KubeConfig;
  context: string;
  /** The API server's URL without credentials or query: safe to print and to record. */
  server: string;
  /** The context user's `exec` credential plugin, which shiplog runs itself; close() it when done. */
  execPlugin?: ExecPlugin;
}

export interface KubeconfigChoice {
  /** `--kubeconfig`; else $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** `--context` or the context a deployment was recorded with; else the kubeconfig's current context. */
  context?: string;
}

/**
 * Loads the kubeconfig the way kubectl finds it and selects one context. Anything missing or malformed is an
 * environment error (exit 5) whose one line names the file, the context and the server; never a credential,
 * which is why a parser's own message (it may quote the file) is never passed on.
 */
export function loadKubeAccess(choice: KubeconfigChoice, env: NodeJS.ProcessEnv = process.env): KubeAccess {
  const config = new KubeConfig();
  const origin = loadInto(config, choice.kubeconfig, env);
  const context = choice.context ?? config.getCurrentContext();
  if (!context) {
    throw new EnvironmentError(`kubeconfig ${origin} names no current context; pass --context or set one with 'kubectl config use-context'`, 'kubeconfig');
  }
  if (!config.getContextObject(context)) {
    throw new EnvironmentError(`kubeconfig ${origin} has no context '${context}'; list them with 'kubectl config get-contexts'`, 'kubeconfig');
  }
  config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new EnvironmentError(`context '${context}' in kubeconfig ${origin} names a cluster that is not defined there`, 'kubeconfig');
  }
  const user = config.getCurrentUser();
  if (!user) {
    throw new EnvironmentError(`context '${context}' in kubeconfig ${origin} names a user that is not defined there`, 'kubeconfig');
  }
  const execPlugin = user.exec ? runExecPluginHere(config, user, context, env) : undefined;
  return { config, context, server: printableServer(cluster.server), execPlugin };
}

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/**
 * Takes the user's `exec` plugin away from the client, which would run it with no time limit, and hands the
 * client the credential shiplog's bounded run of the same plugin returns, the way the client would apply it:
 * a bearer token, or a client certificate and key.
 */
function runExecPluginHere(config: KubeConfig, user: User, context: string, env: NodeJS.ProcessEnv): ExecPlugin {
  const plugin = new ExecPlugin(user.exec as ExecConfig, `user '${user.name}', context '${context}'`, env);
  const withoutExec: User = { ...user, exec: undefined };
  config.users = config.users.map((entry) => (entry === user ? withoutExec : entry));
  const authenticator: Authenticator = {
    isAuthProvider: (candidate) => candidate === withoutExec,
    async applyAuthentication(_user, opts) {
      const credential = await plugin.credential();
      if (credential.clientCertificateData && credential.clientKeyData) Object.assign(opts, { cert: credential.clientCertificateData, key: credential.clientKeyData });
      if (credential.token) opts.headers = { ...opts.headers, Authorization: `Bearer ${credential.token}` };
    },
  };
  config.addAuthenticator(authenticator);
  return plugin;
}

/** Fills `config` from the first source that exists and says which one it was. */
function loadInto(config: KubeConfig, file: string | undefined, env: NodeJS.ProcessEnv): string {
  const files = file !== undefined ? [file] : (env.KUBECONFIG ?? '').split(delimiter).filter((name) => name.length > 0);
  if (files.length > 0) {
    for (const [index, name] of files.entries()) {
      const part = index === 0 ? config : new KubeConfig();
      readFile(part, name);
      if (part !== config) config.mergeConfig(part, true);
    }
    return files.join(delimiter);
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (exists(home)) {
    readFile(config, home);
    return home;
  }
  if (env.KUBERNETES_SERVICE_HOST && exists(serviceAccountToken)) {
    config.loadFromCluster();
    return 'in-cluster service account';
  }
  throw new EnvironmentError(`no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ${home}`, 'kubeconfig');
}

function readFile(config: KubeConfig, file: string): void {
  if (!exists(file)) throw new EnvironmentError(`kubeconfig ${file} does not exist or cannot be read`, 'kubeconfig');
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new EnvironmentError(`kubeconfig ${file} is malformed (${safeReason(error)}); check it with 'kubectl config view'`, 'kubeconfig');
  }
  // As kubectl does (and the client does not): an exec command given as a relative path is relative to its file.
  for (const user of config.users) {
    const exec = user.exec as ExecConfig | undefined;
    if (exec?.command && exec.command.includes(sep) && !isAbsolute(exec.command)) exec.command = resolve(dirname(file), exec.command);
  }
}

/**
 * The reason a kubeconfig could not be parsed, without the excerpt of the file that YAML errors carry (it may
 * hold a token): the YAML reason and position, or the client's "clusters[0].cluster.server is missing".
 */
function safeReason(error: unknown): string {
  const yaml = error as { name?: string; reason?: string; mark?: { line: number; column: number } };
  if (yaml.name === 'YAMLException') return `${yaml.reason ?? 'not YAML'} at line ${(yaml.mark?.line ?? 0) + 1}`;
  const message = error instanceof Error ? error.message : '';
  return /^(clusters|users|contexts)\[\d+\]\.[\w.-]+ is missing$/.test(message) ? message : 'not a kubeconfig';
}

function exists(file: string): boolean {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The server URL as it may be shown: no user name, password or query. */
export function printableServer(server: string): string {
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(an unparsable server URL)';
  }
}
