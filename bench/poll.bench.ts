// The poll benchmark (issue 4): `poll --all` over 500 running NCP deployments against the loopback SourceDeploy
// fake, with a 1s interval and the default concurrency of 8; each run says `inprogress` four times, then
// `success`. It reports requests per deployment (5 is the least possible), the peak of requests in flight (the
// fake counts them) and the CLI's peak RSS, each against polling a single deployment the same way in the same
// run. `npm run bench -- poll`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Step } from '../fixtures/http-status-loopback.js';
import { fakeAccessKey, fakeSecretKey } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { cliEnv } from '../test/support/cli.js';
import { run } from './support/cli-runs.js';
import { sized } from './support/smoke.js';

const cliPath = fileURLToPath(new URL('../bin/shiplog.js', import.meta.url));
const deployments = sized(500, 3);
const concurrency = 8;
const inProgressAnswers = sized(4, 1);
const steps: Step[] = [{ status: 'inprogress', times: inProgressAnswers }, { status: 'success' }];
const fewestRequests = inProgressAnswers + 1;
/** A real network answers in milliseconds, not microseconds; this keeps requests overlapping as they would. */
const latencyMs = 5;

interface PollRun {
  deployments: number;
  wallMs: number;
  requestsPerDeployment: number;
  peakInFlight: number;
  peakRssMiB: number | undefined;
  successes: number;
}

async function measure(count: number): Promise<PollRun> {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-poll-bench-'));
  const fake = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey, latencyMs });
  await fake.start();
  try {
    const db = join(dir, 'shiplog.db');
    await seedNcpDeployments(db, fake, count, steps);
    const args = [cliPath, '--db', db, '--json', 'poll', '--all', '--interval', '1s', '--timeout', '5m', '--concurrency', String(concurrency)];
    const env = cliEnv({ NCLOUD_ACCESS_KEY: fakeAccessKey, NCLOUD_SECRET_KEY: fakeSecretKey });
    const started = performance.now();
    const { code, stdout, stderr, peakRssMiB } = await run(args, env);
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`poll exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const records = JSON.parse(stdout) as { status: string }[];
    const reads = fake.server.requests.filter((r) => r.method === 'GET').length;
    return {
      deployments: count,
      wallMs,
      requestsPerDeployment: reads / count,
      peakInFlight: fake.server.peakInFlight,
      peakRssMiB,
      successes: records.filter((r) => r.status === 'success').length,
    };
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const baseline = await measure(1);
const subject = await measure(deployments);
const mib = (value: number | undefined) => (value === undefined ? 'n/a (no /usr/bin/time)' : `${value.toFixed(1)} MiB`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 'n/a' : `x${(a / b).toFixed(2)}`);
const lines = [
  `poll --all, ${deployments} NCP deployments, --interval 1s, --concurrency ${concurrency}, fake latency ${latencyMs}ms (baseline: 1 deployment, same settings)`,
  `  outcome               ${subject.successes}/${deployments} success`,
  `  wall time             ${(subject.wallMs / 1000).toFixed(2)} s   baseline ${(baseline.wallMs / 1000).toFixed(2)} s   ${ratio(subject.wallMs, baseline.wallMs)}`,
  `  requests/deployment   ${subject.requestsPerDeployment.toFixed(2)}     baseline ${baseline.requestsPerDeployment.toFixed(2)}     fewest possible ${fewestRequests}`,
  `  peak in flight        ${subject.peakInFlight}        limit ${concurrency}   baseline ${baseline.peakInFlight}`,
  `  peak RSS              ${mib(subject.peakRssMiB)}   baseline ${mib(baseline.peakRssMiB)}   ${ratio(subject.peakRssMiB, baseline.peakRssMiB)}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (subject.successes !== deployments || subject.peakInFlight > concurrency) {
  process.stdout.write('FAILED: not every deployment succeeded, or the concurrency limit was exceeded\n');
  process.exitCode = 1;
}
