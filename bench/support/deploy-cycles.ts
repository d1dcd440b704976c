import { performance } from 'node:perf_hooks';
import { run } from './cli-runs.js';

export interface CyclePlan {
  cliPath: string;
  db: string;
  /** Processes running cycles at once; each deploys its own app, so none waits on the one-active rule. */
  workers: number;
  cyclesPerWorker: number;
  /** The environment every cycle deploys to, so its records can be counted afterwards. */
  env: string;
}

export interface CycleResult {
  cycles: number;
  /** One line per failed CLI run: its command and what it printed on stderr. */
  errors: string[];
  seconds: number;
  cycleMs: number[];
}

/**
 * Runs the workers at once, each doing its cycles one after another: `deploy` (record-only, prints the key) then `finish KEY --status success`,
 * both through the real CLI, so each cycle pays two process starts, two store opens and two write
 * transactions, as a CI job does.
 */
export async function runDeployFinishCycles(plan: CyclePlan): Promise<CycleResult> {
  const result: CycleResult = { cycles: 0, errors: [], seconds: 0, cycleMs: [] };
  const cli = (...args: string[]) => run([plan.cliPath, '--db', plan.db, ...args]);
  const worker = async (index: number) => {
    const app = `bench-${String(index).padStart(2, '0')}`;
    for (let cycle = 0; cycle < plan.cyclesPerWorker; cycle += 1) {
      const started = performance.now();
      const deployed = await cli('deploy', '--app', app, '--env', plan.env, '--version', `2.0.${cycle}`, '--operator', 'bench');
      const key = deployed.stdout.trim();
      if (deployed.code !== 0 || !/^dep_\w+$/.test(key)) {
        result.errors.push(`deploy --app ${app}: exit ${deployed.code}: ${deployed.stderr.trim() || deployed.stdout.trim()}`);
        continue;
      }
      const finished = await cli('finish', key, '--status', 'success');
      if (finished.code !== 0) {
        result.errors.push(`finish ${key}: exit ${finished.code}: ${finished.stderr.trim()}`);
        continue;
      }
      result.cycles += 1;
      result.cycleMs.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: plan.workers }, (_, index) => worker(index + 1)));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
