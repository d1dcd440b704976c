import { spawn } from 'node:child_process';
import { envMs } from '../../config/tuning-env.js';
import { EnvironmentError } from '../../errors.js';
import { formatDuration } from '../../timing/duration.js';
import { lastLineWithoutSecrets } from './exec-stderr.js';

/**
 * How long a kubeconfig exec plugin may take to print its credential before shiplog kills it. Cloud plugins
 * (aws eks get-token, gke-gcloud-auth-plugin) answer within seconds; one that has not in 30 s is stuck.
 */
const defaultTimeoutMs = 30_000;
/** A credential this close to its expiry is fetched anew, so no request leaves with one about to lapse. */
const renewBeforeMs = 10_000;
const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** A kubeconfig user's `exec` entry, as the client parses it. */
export interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
}

/** What an ExecCredential's status gives: a bearer token, or a client certificate and key (PEM). */
export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch ms of `expirationTimestamp`; without one the credential lasts as long as this process. */
  expiresAt?: number;
}

/**
 * A kubeconfig `exec` credential plugin, run by shiplog rather than by the client, which runs it with no time
 * limit: a plugin that hangs would hang the command, outlive it, and keep its leases heartbeated. Here each run
 * is bounded, killed with its whole process group on timeout, on close() and on SIGINT/SIGTERM, and its failure
 * is one line naming the plugin and the last line of its stderr, with anything that looks like a secret masked.
 * One run at a time serves every caller; its credential is kept until shortly before it expires.
 */
export class ExecPlugin {
  private cached: ExecCredential | undefined;
  private running: Promise<ExecCredential> | undefined;
  private killRunning: ((why: string) => void) | undefined;
  private closed = false;
  private readonly timeoutMs: number;

  /**
   * `who`: the kubeconfig user and context, as failure lines name them. `env`: what the plugin runs with, plus
   * the kubeconfig's `env` entries; its SHIPLOG_KUBE_EXEC_TIMEOUT_MS sets the bound.
   */
  constructor(
    private readonly exec: ExecConfig,
    private readonly who: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.timeoutMs = envMs(env, 'SHIPLOG_KUBE_EXEC_TIMEOUT_MS') ?? defaultTimeoutMs;
  }

  credential(): Promise<ExecCredential> {
    const cached = this.cached;
    if (cached && (cached.expiresAt === undefined || cached.expiresAt - renewBeforeMs > Date.now())) return Promise.resolve(cached);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Kills a run under way and refuses later ones: whatever waited for it has been given up. */
  close(): void {
    this.closed = true;
    this.killRunning?.('was stopped because shiplog stopped waiting');
  }

  private get name(): string {
    return `the kubeconfig exec plugin '${this.exec.command}' (${this.who})`;
  }

  private run(): Promise<ExecCredential> {
    if (this.closed) return Promise.reject(new EnvironmentError(`${this.name} was not run: shiplog is stopping`, 'k8s_exec_plugin'));
    return new Promise<ExecCredential>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...this.env, KUBERNETES_EXEC_INFO: this.execInfo() };
      for (const { name, value } of this.exec.env ?? []) env[name] = value;
      let stdout = '';
      let stderr = '';
      let killedBecause: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const kill = (why: string) => {
        killedBecause ??= why;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      // Runs before any other handler: a signal means the wait this run serves is over, whoever handles it. When
      // nobody does, the signal is raised again once the plugin is gone, so the process ends as it would have.
      const onSignal = (signal: NodeJS.Signals) => {
        kill(`was killed because shiplog received ${signal}`);
        detach();
        if (process.listenerCount(signal) === 0) child.once('close', () => process.kill(process.pid, signal));
      };
      const onExit = () => kill('was killed because shiplog exited');
      const detach = () => {
        clearTimeout(timer);
        for (const signal of stopSignals) process.off(signal, onSignal);
        process.off('exit', onExit);
        this.killRunning = undefined;
      };
      // Listening before the plugin starts: a signal that came after its start but before these listeners, when
      // nothing else in shiplog listens for it yet, would end shiplog at once and leave the plugin running. The
      // listeners run on the event loop, after `child` below is set.
      for (const signal of stopSignals) process.prependListener(signal, onSignal);
      process.on('exit', onExit);
      this.killRunning = kill;
      let child: ReturnType<typeof spawn>;
      try {
        // Its own process group, so that killing it takes along whatever it started (a shell script's children).
        child = spawn(this.exec.command, this.exec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      } catch (error) {
        detach();
        throw error;
      }
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
      timer = setTimeout(() => kill(`gave no credential within ${formatDuration(this.timeoutMs)} and was killed`), this.timeoutMs);

      child.on('error', (error: NodeJS.ErrnoException) => {
        detach();
        const hint = this.exec.installHint ? `; ${this.exec.installHint.trim().split('\n')[0]}` : '';
        reject(new EnvironmentError(`${this.name} cannot be run (${error.code ?? 'spawn failed'})${hint}`, 'k8s_exec_plugin'));
      });
      child.on('close', (code, signal) => {
        detach();
        const said = this.stderrLine(stderr);
        if (killedBecause) return reject(new EnvironmentError(`${this.name} ${killedBecause}${said}`, 'k8s_exec_plugin'));
        if (code !== 0) return reject(new EnvironmentError(`${this.name} ${code === null ? `ended by ${signal}` : `exited ${code}`}${said}`, 'k8s_exec_plugin'));
        try {
          const credential = parseExecCredential(stdout);
          this.cached = credential;
          resolve(credential);
        } catch (error) {
          reject(new EnvironmentError(`${this.name} ${(error as Error).message}${said}`, 'k8s_exec_plugin'));
        }
      });
    });
  }

  /** What client-go tells a plugin about the call: it cannot ask the user anything, since its stdin is closed. */
  private execInfo(): string {
    return JSON.stringify({ apiVersion: this.exec.apiVersion ?? 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
  }

  private stderrLine(stderr: string): string {
    const line = lastLineWithoutSecrets(stderr, [this.cached?.token]);
    return line ? `; its last stderr line: ${line}` : '; it wrote nothing on stderr';
  }
}

/** The credential in an ExecCredential document; throws with words for the failure line, never with the document. */
export function parseExecCredential(stdout: string): ExecCredential {
  let document: { kind?: unknown; status?: Record<string, unknown> };
  try {
    document = JSON.parse(stdout) as typeof document;
  } catch {
    throw new Error('did not print an ExecCredential (its output is not JSON)');
  }
  const status = document?.status;
  const text = (field: string) => (typeof status?.[field] === 'string' && status[field] !== '' ? (status[field] as string) : undefined);
  const credential: ExecCredential = { token: text('token'), clientCertificateData: text('clientCertificateData'), clientKeyData: text('clientKeyData') };
  if (!credential.token && !(credential.clientCertificateData && credential.clientKeyData)) {
    throw new Error('printed an ExecCredential with neither a token nor a client certificate and key');
  }
  const expiry = text('expirationTimestamp');
  if (expiry !== undefined) {
    const at = Date.parse(expiry);
    if (Number.isNaN(at)) throw new Error(`printed an ExecCredential whose expirationTimestamp '${expiry.slice(0, 40)}' is not a time`);
    credential.expiresAt = at;
  }
  return credential;
}
