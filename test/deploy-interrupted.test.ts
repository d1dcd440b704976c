import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { alive, binPath, runCli, runCliJson, startCli, startProcess, type CliResult, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

const ncp = (scenario: string) => ['--ncp-project', '10', '--ncp-stage', '20', '--ncp-scenario', scenario];
/** Leases expire quickly, so a killed shiplog is seen as gone within a second. */
const shortLease = { SHIPLOG_LEASE_TTL: '500ms' };

// A deploy stopped at any moment must leave nothing `pending` or `running` that nobody can settle.
describeEachStore('deploy interrupted on %s', (kind) => {
  const suite = ncpSuite(kind);
  const { fake } = suite;
  const db = () => ['--db', suite.store.spec];
  const deploy = (env: string, ...more: string[]) => [...db(), 'deploy', '--app', 'web', '--env', env, '--version', '1.0.0', ...more];
  const startRequests = (scenario: string) => fake.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/scenario/${scenario}/deploy`)).length;

  it.each(['SIGTERM', 'SIGINT'] as const)('%s while the NCP start request hangs records cancelled, exits 1 and says so', async (signal) => {
    const scenario = `hang-${signal}`;
    fake.scriptStart(scenario, { hang: true });
    const child = startCli(['--json', ...deploy('prod', ...ncp(scenario), '--wait')], { env: ncpEnv(fake) });
    await until(() => startRequests(scenario) > 0, 20_000);
    child.kill(signal);
    const result = await child.result;
    expect(result.code, result.stderr).toBe(1);
    const json = JSON.parse(result.stdout) as DeploymentJson;
    expect(json).toMatchObject({ status: 'cancelled', error: expect.stringContaining(`interrupted by ${signal} while it was being started`) });
    expect(result.stderr).toContain(`${json.key} cancelled: interrupted by ${signal} while it was being started; its provider may have started it anyway`);
    expect((await snapshot(suite.store)).deployments).toMatchObject([{ status: 'cancelled', lease_owner: null }]);
  });

  it('--timeout bounds a start request that never answers: the deploy returns, the record stale (it may have started), exit 3', async () => {
    fake.scriptStart('hang-timeout', { hang: true });
    // The request timeout alone (30s by default) would outlast --timeout many times over.
    const result = await runCli(deploy('prod', ...ncp('hang-timeout'), '--wait', '--timeout', '4s'), { env: ncpEnv(fake, { SHIPLOG_REQUEST_TIMEOUT: '30s' }), timeoutMs: 20_000 });
    expect(result.signal, 'killed by the test after 20s').toBeNull();
    expect(result.code, result.stderr).toBe(3);
    expect((await snapshot(suite.store)).deployments).toMatchObject([
      { status: 'stale', lease_owner: null, error: expect.stringContaining('could not start NCP scenario hang-timeout: SourceDeploy gave no answer within') },
    ]);
  });

  it('a deploy killed outright while pending is found by doctor once its lease expires, blocks the next deploy only with a way out, and cleanup settles it stale', async () => {
    fake.scriptStart('hang-kill', { hang: true });
    const child = startCli(deploy('prod', ...ncp('hang-kill'), '--wait'), { env: ncpEnv(fake) });
    await until(() => startRequests('hang-kill') > 0, 20_000);
    child.kill('SIGKILL');
    await child.result;
    await until(async () => Date.now() - Date.parse(String((await snapshot(suite.store)).deployments[0]!.heartbeat_at)) > 700);

    const doctor = await runCliJson<{ checks: { check: string; status: string; message: string }[] }>([...db(), 'doctor'], { env: shortLease });
    const stale = doctor.json.checks.find((check) => check.check === 'stale records');
    expect(stale).toMatchObject({ status: 'warn', message: expect.stringMatching(/^1 pending whose shiplog is gone .*'shiplog cleanup --stale \d+s --reconcile' settles them$/) });

    const blocked = await runCli(deploy('prod', '--version', '1.0.1'), { env: shortLease });
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(/already has an active deployment dep_\w+ \(pending since .*\) whose shiplog is gone \(last heard from .* ago\): settle it with 'shiplog cleanup --stale \d+s --reconcile --apply', or pass --supersede/);

    const cleanup = await runCli([...db(), 'cleanup', '--stale', '0s', '--apply'], { env: shortLease });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect((await snapshot(suite.store)).deployments).toMatchObject([{ status: 'stale' }]);
    expect((await runCli(deploy('prod', '--version', '1.0.1'), { env: shortLease })).code).toBe(0);
  });

  it('Ctrl-C in a terminal, which signals the command and shiplog together, records cancelled every time, even when the command dies first', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const marker = join(suite.store.dir, `started-${attempt}`);
      const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid)); setInterval(() => {}, 1000)`;
      // Every other attempt lets the command die of the signal before shiplog gets its own copy.
      const commandFirst = attempt % 2 === 1;
      const result = await inProcessGroup(['--json', ...deploy(`race-${attempt}`, '--', process.execPath, '-e', script)], marker, 'SIGINT', commandFirst);
      expect(result.code, `attempt ${attempt}: ${result.stderr}`).toBe(1);
      expect(JSON.parse(result.stdout), `attempt ${attempt}`).toMatchObject({ status: 'cancelled', error: expect.stringContaining('interrupted by SIGINT') });
    }
  });

  it('deploys killed at random moments leave nothing pending or running that cleanup cannot settle, and never block the next deploy', async () => {
    const rounds = 24;
    fake.scriptStart('hang-loop', { hang: true });
    fake.scriptScenario('slow-loop', [{ status: 'inprogress' }]);
    const kinds = [
      ['--', process.execPath, '-e', 'setTimeout(() => {}, 2000)'],
      [...ncp('hang-loop'), '--wait'],
      [...ncp('slow-loop'), '--wait', '--interval', '100ms'],
    ];
    const recorded = async (env: string) => (await snapshot(suite.store)).deployments.some((row) => row.env === env);
    for (let round = 0; round < rounds; round += 1) {
      const env = `loop-${round}`;
      const child = startCli(deploy(env, ...kinds[round % kinds.length]!), { env: ncpEnv(fake) });
      // Half the kills land anywhere from start-up on; the other half after the record is written, however slow
      // the machine is, so some always hit the window between the record and the outcome.
      if (round % 2 === 1) await until(async () => (await recorded(env)) || child.exitCode !== null, 20_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * (round % 2 === 1 ? 500 : 1_500)));
      child.kill('SIGKILL');
      await child.result;
    }
    const abandoned = (await snapshot(suite.store)).deployments.filter((row) => row.status === 'pending' || row.status === 'running');
    expect(abandoned.length, 'no kill left a record behind: the loop tested nothing').toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const cleanup = await runCli([...db(), 'cleanup', '--stale', '0s', '--apply'], { env: shortLease });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    const rows = (await snapshot(suite.store)).deployments;
    expect(rows.filter((row) => row.status === 'pending' || row.status === 'running')).toEqual([]);
    for (let batch = 0; batch < rounds; batch += 6) {
      const envs = Array.from({ length: Math.min(6, rounds - batch) }, (_, i) => `loop-${batch + i}`);
      const next = await Promise.all(envs.map((env) => runCli(deploy(env, '--version', '2.0.0'), { env: shortLease })));
      next.forEach((result, i) => expect(result.code, `${envs[i]}: ${result.stderr}`).toBe(0));
    }
  }, 240_000);
});

/**
 * Runs the CLI as a terminal runs a job: in a process group of its own, with the command it starts, and sends
 * `signal` to the whole group once `marker` exists (the command has started, and wrote its pid there), as Ctrl-C
 * does. `commandFirst`: the command gets it first, and shiplog only once the command is gone.
 */
async function inProcessGroup(args: string[], marker: string, signal: NodeJS.Signals, commandFirst: boolean): Promise<CliResult> {
  const child = startProcess([process.execPath, binPath, ...args], { detached: true });
  await until(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 20_000);
  if (commandFirst) {
    const command = Number(readFileSync(marker, 'utf8'));
    process.kill(command, signal);
    await until(() => !alive(command));
    process.kill(child.pid!, signal);
  } else {
    process.kill(-child.pid!, signal);
  }
  return child.result;
}
