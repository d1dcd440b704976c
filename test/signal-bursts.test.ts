import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { alive, binPath, runCli, startCli, startProcess, type CliResult } from './support/cli.js';
import { recordRollouts, storeWithCluster } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

/** How a burst reaches shiplog, `pid` being the process the test started (shiplog itself, or `timeout`). */
interface BurstKind {
  name: string;
  /** The command line that starts `argv` (shiplog), as the burst's sender starts it. */
  wrap: (argv: string[]) => string[];
  /** The shell line that sends the burst. */
  send: (pid: number, signal: NodeJS.Signals) => string;
}

const bursts: BurstKind[] = [
  // timeout(1) signals its command, then the process group it made for it.
  { name: 'timeout', wrap: (argv) => ['timeout', '-k', '5', '20', ...argv], send: (pid, signal) => `kill -s ${signal.slice(3)} ${pid}` },
  // A session and process group of its own, signalled as a group and as its leader, as an init that forwards to both does.
  { name: 'setsid, then kill -- -PGID PID', wrap: (argv) => ['setsid', ...argv], send: (pid, signal) => `kill -s ${signal.slice(3)} -- -${pid} ${pid}` },
  { name: 'two kills in one shell line', wrap: (argv) => argv, send: (pid, signal) => `kill -s ${signal.slice(3)} ${pid}; kill -s ${signal.slice(3)} ${pid}` },
];
const runsEach = 20;
/** Interrupted deploys at once: enough to keep the wall time down, few enough for a shared machine. */
const parallel = 4;

describeEachStore('a burst of signals is one interruption, on %s', (kind) => {
  const suite = ncpSuite(kind);
  const { fake } = suite;
  const db = () => ['--db', suite.store.spec];
  /** A scenario of the deploy's own whose start request never gets an answer, so the record stays pending until the signal. */
  const hangingScenario = (env: string) => {
    fake.scriptStart(`hang-${env}`, { hang: true });
    return ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', `hang-${env}`];
  };
  const startRequests = (env: string) => fake.server.requests.filter((r) => r.path.endsWith(`/scenario/hang-${env}/deploy`)).length;

  it.each(bursts)('$name, 20 times with SIGTERM and SIGINT in turn: every start interrupted is cancelled, exit 1, and the next deploy goes ahead', async (burst) => {
    // The fake outlives each test: environments of each burst's own keep its requests apart.
    const envs = Array.from({ length: runsEach }, (_, i) => `burst${bursts.indexOf(burst)}-${i}`);
    const results = new Map<string, CliResult>();
    for (let batch = 0; batch < runsEach; batch += parallel) {
      await Promise.all(
        envs.slice(batch, batch + parallel).map(async (env, i) => {
          const signal = (batch + i) % 2 === 0 ? 'SIGTERM' : 'SIGINT';
          const argv = [process.execPath, binPath, ...db(), 'deploy', '--app', 'web', '--env', env, ...hangingScenario(env), '--wait'];
          results.set(env, await interruptStart(burst, argv, signal, ncpEnv(fake), () => startRequests(env) > 0));
        }),
      );
    }
    const rows = (await snapshot(suite.store)).deployments;
    for (const env of envs) {
      const result = results.get(env)!;
      expect(result.code, `${env}: ${result.signal} ${result.stderr}`).toBe(1);
      expect(rows.find((row) => row.env === env), env).toMatchObject({ status: 'cancelled', lease_owner: null });
    }
    expect(rows.filter((row) => row.status === 'pending' || row.status === 'running')).toEqual([]);
    for (let batch = 0; batch < runsEach; batch += 2 * parallel) {
      const next = envs.slice(batch, batch + 2 * parallel);
      const deployed = await Promise.all(next.map((env) => runCli([...db(), 'deploy', '--app', 'web', '--env', env, '--version', '2.0.0'])));
      deployed.forEach((result, i) => expect(result.code, `${next[i]}: ${result.stderr}`).toBe(0));
    }
  }, 240_000);

  it('poll under timeout, signalled 10 times with SIGTERM and SIGINT in turn: each run stops, exit 3, and leaves the record running and unleased', async () => {
    const { key, historyId } = (await seedNcpDeployments(suite.store.spec, fake, ['web'], [{ hang: true }]))[0]!;
    for (let run = 0; run < 10; run += 1) {
      const signal = run % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const reads = fake.reads(historyId);
      const result = await interruptStart(bursts[0]!, [process.execPath, binPath, ...db(), 'poll', key], signal, ncpEnv(fake), () => fake.reads(historyId) > reads);
      expect(result.code, `run ${run}: ${result.signal} ${result.stderr}`).toBe(3);
      expect(result.stderr).toContain(`resume with 'shiplog poll ${key}'`);
      expect((await snapshot(suite.store)).deployments[0], `run ${run}`).toMatchObject({ status: 'running', lease_owner: null });
    }
  }, 120_000);

  it(`a signal more than a second after the first ends shiplog at once, by that signal, and kills its command; the record is ${kind === 'sqlite' ? 'cancelled before the end' : 'left to its lease'}`, async () => {
    const marker = join(suite.store.dir, 'command-pid');
    const stubborn = `process.on('SIGINT', () => {}); process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const deploy = startCli([...db(), 'deploy', '--app', 'web', '--env', 'prod', '--', process.execPath, '-e', stubborn]);
    await until(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 20_000);
    const command = Number(readFileSync(marker, 'utf8'));
    deploy.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(deploy.exitCode, 'still waiting for a command that ignores the first signal').toBeNull();
    deploy.kill('SIGINT');
    const result = await deploy.result;
    expect(result.signal, result.stderr).toBe('SIGINT');
    await until(() => !alive(command));
    const [row] = (await snapshot(suite.store)).deployments;
    if (kind === 'sqlite') {
      expect(row).toMatchObject({ status: 'cancelled', lease_owner: null, error: 'interrupted again by SIGINT: shiplog stopped at once' });
      expect((await runCli([...db(), 'deploy', '--app', 'web', '--env', 'prod'])).code).toBe(0);
    } else {
      // Writing to PostgreSQL waits on the event loop the process left: the lease expires, and cleanup --stale settles it.
      expect(row).toMatchObject({ status: 'running', lease_owner: expect.any(String) });
    }
  });
});

describeEachStore('a burst of signals stops track once, on %s', (kind) => {
  const t = storeWithCluster(kind);

  it('track following a rollout under timeout, signalled 5 times with SIGTERM and SIGINT in turn: each run stops, exit 3, and leaves the record running and unleased', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const [, key] = (await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]))[0]!;
    for (let run = 0; run < 5; run += 1) {
      const signal = run % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const argv = [process.execPath, binPath, '--db', t.store.spec, 'track', key];
      const watches = t.cluster.api.watchRequests('prod').length;
      const result = await interruptStart(bursts[0]!, argv, signal, t.cluster.env, () => t.cluster.api.watchRequests('prod').length > watches);
      expect(result.code, `run ${run}: ${result.signal} ${result.stderr}`).toBe(3);
      expect(result.stderr).toContain(`resume with 'shiplog track ${key}'`);
      expect((await snapshot(t.store)).deployments[0], `run ${run}`).toMatchObject({ status: 'running', lease_owner: null });
    }
  }, 120_000);
});

/**
 * Starts `argv` as `burst` does, waits until `started` holds (shiplog waits on a request that does not end: a
 * start, a status, a watch), then sends the burst from a shell and waits for shiplog to end.
 */
async function interruptStart(burst: BurstKind, argv: string[], signal: NodeJS.Signals, env: NodeJS.ProcessEnv, started: () => boolean): Promise<CliResult> {
  const child = startProcess(burst.wrap(argv), { env });
  // A shiplog that ends before it starts waiting says why, where waiting out the time would say only that it did not start.
  const endedEarly = child.result.then((result) => {
    throw new Error(`${argv.slice(2).join(' ')} ended before it began to wait: exit ${result.code} ${result.signal ?? ''}\n${result.stderr}`);
  });
  endedEarly.catch(() => undefined);
  await Promise.race([until(started, 20_000), endedEarly]);
  spawn('sh', ['-c', burst.send(child.pid!, signal)], { stdio: 'ignore' });
  return child.result;
}
