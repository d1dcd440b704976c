import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cliEnv } from '../../test/support/cli.js';

/** A Node process to start: the arguments after `node`, e.g. `['bin/shiplog.js', 'status']` or `['-e', '0']`. */
export type NodeArgs = readonly string[];

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's environment: this one without the CI variables that would fill in deployment fields. */
export const benchEnv: NodeJS.ProcessEnv = cliEnv();

/** What one run cost. CPU and memory come from GNU time, and are missing where it is not installed. */
export interface RunCost {
  wallMs: number;
  /** User + system time, in GNU time's 10 ms steps. */
  cpuMs?: number;
  peakRssMiB?: number;
}

/** GNU time reports a child's CPU time and peak resident set, which Node's spawn does not. */
const gnuTime = '/usr/bin/time';
const hasGnuTime = existsSync(gnuTime);
/** Marks GNU time's line among whatever the command itself wrote to stderr. */
const costMark = 'shiplog-bench-cost';

/** The command line that runs node with the arguments, under GNU time where it exists. */
function measuredCommand(args: NodeArgs): [string, string[]] {
  return hasGnuTime ? [gnuTime, ['-f', `${costMark} %U %S %M`, process.execPath, ...args]] : [process.execPath, [...args]];
}

/** Takes GNU time's line out of a run's stderr and reads its CPU time and peak resident set. */
function splitCost(rawStderr: string): { stderr: string; cpuMs?: number; peakRssMiB?: number } {
  const lines = rawStderr.split('\n');
  const costLine = lines.find((line) => line.startsWith(costMark));
  const stderr = lines.filter((line) => !line.startsWith(costMark)).join('\n').trim();
  if (!costLine) return { stderr };
  const [userSeconds, systemSeconds, rssKiB] = costLine.slice(costMark.length).trim().split(' ').map(Number);
  return { stderr, cpuMs: (userSeconds! + systemSeconds!) * 1000, peakRssMiB: rssKiB! / 1024 };
}

/** Where a timed run works, and whether its stdout is kept (the default) or sent to /dev/null, as for an answer of hundreds of megabytes. */
export interface RunPlace {
  cwd?: string;
  stdout?: 'pipe' | 'ignore';
}

/**
 * Runs node with the arguments to its end (under GNU time where it exists, which adds the same millisecond to
 * every run) and returns what it cost; throws unless it exits 0.
 */
export function timedRun(args: NodeArgs, place: RunPlace = {}): RunCost {
  const [command, argv] = measuredCommand(args);
  const started = performance.now();
  const result = spawnSync(command, argv, { env: benchEnv, cwd: place.cwd, stdio: ['ignore', place.stdout ?? 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  const { stderr, cpuMs, peakRssMiB } = splitCost(result.stderr);
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${stderr}`);
  return { wallMs, cpuMs, peakRssMiB };
}

/**
 * Runs node with the arguments to its end without blocking, so several can run at once and a fake server in
 * this process keeps answering; with its peak resident set where GNU time exists.
 */
export function run(args: NodeArgs, env: NodeJS.ProcessEnv = benchEnv): Promise<Finished & { peakRssMiB?: number }> {
  const [command, argv] = measuredCommand(args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const cost = splitCost(stderr);
      resolve({ code, stdout, stderr: cost.stderr, peakRssMiB: cost.peakRssMiB });
    });
  });
}
