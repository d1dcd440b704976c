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

/**
 * Runs node with the arguments to its end (under GNU time where it exists, which adds the same millisecond to
 * every run) and returns what it cost; throws unless it exits 0.
 */
export function timedRun(args: NodeArgs): RunCost {
  const [command, argv] = hasGnuTime ? [gnuTime, ['-f', `${costMark} %U %S %M`, process.execPath, ...args]] : [process.execPath, [...args]];
  const started = performance.now();
  const result = spawnSync(command, argv, { env: benchEnv, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  const costLine = result.stderr.split('\n').find((line) => line.startsWith(costMark));
  const stderr = result.stderr.split('\n').filter((line) => !line.startsWith(costMark)).join('\n').trim();
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${stderr}`);
  if (!costLine) return { wallMs };
  const [userSeconds, systemSeconds, rssKiB] = costLine.slice(costMark.length).trim().split(' ').map(Number);
  return { wallMs, cpuMs: (userSeconds! + systemSeconds!) * 1000, peakRssMiB: rssKiB! / 1024 };
}

/** Runs node with the arguments to its end without blocking, so several can run at once. */
export function run(args: NodeArgs): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: benchEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
