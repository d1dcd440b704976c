// report --html and stats --format openmetrics at 100,000 deployments (issue 13): how long a CI job waits for
// the page and how big the page it publishes is, over the default 30 days and over the whole year, on SQLite and
// (where a server can be had) PostgreSQL. `npm run bench -- report`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchStore } from './support/bench-store.js';
import { timedRun, type RunCost } from './support/cli-runs.js';
import { createPostgresBenchStore } from './support/postgres-store.js';
import { sized } from './support/smoke.js';
import { createSqliteBenchStore } from './support/sqlite-store.js';
import { syntheticHistory } from './support/synthetic-history.js';
import { median } from './support/timing.js';

const cliPath = fileURLToPath(new URL('../bin/shiplog.js', import.meta.url));
const shape = { apps: 50, envs: ['dev', 'staging', 'qa', 'canary', 'prod'], deployments: sized(100_000, 500), spanDays: 365 } as const;
const runs = sized(5, 1);

async function main(): Promise<void> {
  const history = syntheticHistory(shape);
  console.log(`history: ${history.deployments.length} deployments, ${history.events.length} events (${shape.apps} apps × ${shape.envs.length} environments over ${shape.spanDays} days)`);
  const stores: BenchStore[] = [createSqliteBenchStore()];
  const postgres = await createPostgresBenchStore();
  if ('skipped' in postgres) console.log(`PostgreSQL half SKIPPED: ${postgres.skipped}`);
  else stores.push(postgres);
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-report-bench-'));
  try {
    for (const store of stores) {
      timedRun([cliPath, '--db', store.spec, 'doctor', '--fix']);
      await store.seed(history);
      for (const since of ['30d', '365d']) {
        const file = join(dir, `report-${store.kind}-${since}.html`);
        const costs = Array.from({ length: runs }, () => timedRun([cliPath, '--db', store.spec, 'report', '--html', file, '--since', since]));
        console.log(`${store.kind} report --since ${since}: ${describe(costs)}, page ${(statSync(file).size / 1024).toFixed(0)} kB`);
      }
      const metrics = Array.from({ length: runs }, () => timedRun([cliPath, '--db', store.spec, 'stats', '--format', 'openmetrics']));
      console.log(`${store.kind} stats --format openmetrics: ${describe(metrics)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.allSettled(stores.map((store) => store.dispose()));
  }
}

function describe(costs: RunCost[]): string {
  const wall = median(costs.map((c) => c.wallMs));
  const cpu = costs.every((c) => c.cpuMs !== undefined) ? `, CPU ${median(costs.map((c) => c.cpuMs!)).toFixed(0)} ms` : '';
  const rss = costs.every((c) => c.peakRssMiB !== undefined) ? `, peak RSS ${median(costs.map((c) => c.peakRssMiB!)).toFixed(0)} MiB` : '';
  return `median of ${runs}: ${wall.toFixed(0)} ms wall${cpu}${rss}`;
}

await main();
