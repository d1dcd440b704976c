import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { until } from '../fixtures/ncp-suite.js';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { runCli, runCliJson, startCli } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

/** Leases expire quickly, so a killed follower is seen as gone within a second or so. */
const shortLeases: NodeJS.ProcessEnv = { ...quickPolling, SHIPLOG_LEASE_TTL: '600ms' };

// A retried CI step runs the same deploy again with the same --key: it must tell the truth about the first attempt.
describeEachStore('deploy --key retried on %s', (kind) => {
  const status = new HttpStatusFake();
  let store: TestStore;
  beforeAll(() => status.start());
  afterAll(() => status.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(() => store.cleanup());
  const deploy = (...more: string[]) => ['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '2.0.0', ...more];

  it('a key whose deployment failed exits 1 again, saying it is the earlier attempt\'s outcome', async () => {
    const failing = deploy('--key', 'ci-fail', '--', process.execPath, '-e', 'process.exit(3)');
    expect((await runCli(failing)).code).toBe(1);
    const { result, json } = await runCliJson(failing);
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(result.stderr).toContain(`${json.key} was already recorded with key 'ci-fail'; nothing new was started: it ended failed, and that is the earlier attempt's outcome`);
    expect((await snapshot(store)).deployments).toHaveLength(1);
  });

  it('a key whose deployment was cancelled exits 1 again', async () => {
    const recordOnly = deploy('--key', 'ci-cancel');
    const key = (await runCli(recordOnly)).stdout.trim();
    expect((await runCli(['--db', store.spec, 'finish', key, '--status', 'cancelled'])).code).toBe(0);
    const result = await runCli(recordOnly);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("it ended cancelled, and that is the earlier attempt's outcome");
  });

  it('--key K --wait follows again a running record whose follower was killed, to its end', async () => {
    const path = `/deploys/${Math.random().toString(36).slice(2, 10)}`;
    status.script(path, [{ status: 'rolling' }]);
    const waiting = deploy('--key', 'ci-resume', '--status-url', status.url(path), '--wait', '--interval', '100ms');
    const first = startCli(waiting, { env: shortLeases });
    await until(async () => (await snapshot(store)).deployments[0]?.status === 'running' && status.reads(path) > 0);
    first.kill('SIGKILL');
    await first.result;
    status.script(path, [{ status: 'rolling' }, { status: 'success' }]);
    // The dead follower's lease has to expire before another process may take the record over.
    await until(async () => {
      const [row] = (await snapshot(store)).deployments;
      return Date.now() - Date.parse(String(row!.heartbeat_at)) > 1_000;
    });
    const { result, json } = await runCliJson(waiting, { env: shortLeases });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${json.key} was already recorded with key 'ci-resume' and is still running: following it again`);
    expect(json.status).toBe('success');
    expect((await snapshot(store)).deployments).toHaveLength(1);
  });

  it('--key K --wait on a running command whose shiplog died cannot follow it: exit 3, saying why and what settles it', async () => {
    const command = deploy('--key', 'ci-command', '--', process.execPath, '-e', 'setTimeout(() => {}, 3000)');
    const first = startCli(command, { env: shortLeases });
    await until(async () => (await snapshot(store)).deployments[0]?.status === 'running', 20_000);
    first.kill('SIGKILL');
    await first.result;
    const result = await runCli(command, { env: shortLeases });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/nothing new was started: it is running a command under another shiplog, the only one that can see how it ends; if that shiplog is gone, 'shiplog cleanup --stale' settles it/);
    expect((await snapshot(store)).deployments).toMatchObject([{ status: 'running' }]);
  });
});
