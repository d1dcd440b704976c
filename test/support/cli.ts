import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Deployment, DeploymentEvent } from '../../src/deployment/deployment.js';

export const binPath = fileURLToPath(new URL('../../bin/shiplog.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment; CI variables of the machine running the tests are removed so runs are reproducible. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Environment for a spawned CLI: the test's own, without the CI variables that would fill in fields. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['GITHUB_ACTIONS', 'GITLAB_CI', 'SHIPLOG_DB', 'NCLOUD_ACCESS_KEY', 'NCLOUD_SECRET_KEY', 'NCP_ACCESS_KEY', 'NCP_SECRET_KEY', 'KUBECONFIG', 'FORCE_COLOR']) {
    delete env[name];
  }
  // What would make a run write CI outputs, or take another CI system's details (env-ci knows these systems by them).
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'SHIPLOG_DOTENV', 'CIRCLECI', 'BUILDKITE', 'JENKINS_URL', 'BUILD_BUILDURI', 'BITBUCKET_BUILD_NUMBER']) {
    delete env[name];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Starts the built CLI; the caller owns the process. */
export function startCli(args: string[], options: CliOptions = {}): ChildProcess & { result: Promise<CliResult> } {
  return startProcess([process.execPath, binPath, ...args], options);
}

/**
 * Starts a command line that runs the built CLI (under `timeout`, `setsid`, …), collecting its output as startCli
 * does; `detached`: in a process group of its own. The caller owns the process.
 */
export function startProcess(argv: string[], options: CliOptions & { detached?: boolean } = {}): ChildProcess & { result: Promise<CliResult> } {
  const [program, ...args] = argv as [string, ...string[]];
  const child = spawn(program, args, { env: cliEnv(options.env), cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { result });
}

/** Runs the built CLI to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** Runs the CLI with --json and parses stdout. */
/** A deployment as the CLI prints it with --json (`show` adds its events). */
export type DeploymentJson = Deployment & { events?: DeploymentEvent[] };

export async function runCliJson<T = DeploymentJson>(args: string[], options: CliOptions = {}): Promise<{ result: CliResult; json: T }> {
  const result = await runCli(['--json', ...args], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return { result, json };
}

/** Whether the process `pid` is still there (a command shiplog started, say). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
