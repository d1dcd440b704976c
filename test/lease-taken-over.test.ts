import type { ChildProcess } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { startCli, type CliResult } from './support/cli.js';
import { recordRollouts, storeWithCluster } from './support/kubernetes.js';
import { snapshot, type StoreSnapshot } from './support/snapshot.js';
import { describeEachStore, type TestStore } from './support/stores.js';

/** Leases that lapse in a second, so a follower frozen for a little longer loses them to the next one. */
const shortLeases = { SHIPLOG_LEASE_TTL: '1s', SHIPLOG_HEARTBEAT_MS: '100' };
const takenOver = (stderr: string, key: string) => stderr.split('\n').filter((line) => line.startsWith(key) && line.endsWith('taken over by another follower'));

/** Each record's status changes, as `from->to`: a follower that lost the lease must not have added one. */
const transitions = (snap: StoreSnapshot, id: unknown) =>
  snap.events.filter((e) => Number(e.deployment_id) === Number(id) && e.from_status !== e.to_status).map((e) => `${String(e.from_status)}->${String(e.to_status)}`);

/**
 * Resolves once no record is under `owner`'s lease any more: the other follower took them all. A record it has
 * already settled and let go of (no lease) counts as taken too, since `owner` was frozen and could not: waiting
 * for every record to be under a lease at one moment waits forever once the other has settled one of them.
 */
async function takenFrom(store: TestStore, owner: unknown): Promise<void> {
  await until(async () => (await snapshot(store)).deployments.every((d) => d.lease_owner !== owner), 20_000);
}

/**
 * Freezes `follower` (SIGSTOP) past its lease, runs `meanwhile` (another follower takes the records over), then lets
 * it run again (SIGCONT), whatever `meanwhile` did, and returns how it ended.
 */
async function frozenWhile(store: TestStore, follower: ChildProcess & { result: Promise<CliResult> }, meanwhile: () => Promise<void>): Promise<CliResult> {
  try {
    await stopOutsideWrite(store, follower);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await meanwhile();
  } finally {
    follower.kill('SIGCONT');
  }
  return follower.result;
}

/**
 * Stops `follower` where it holds no SQLite write lock: nothing can take that lock from a stopped process (on
 * PostgreSQL the server ends a follower's transaction left silent past its lease, test/frozen-in-transaction.test.ts),
 * so stopped inside a write it would keep the other follower from writing at all. Tried again until the file can
 * be written with the follower stopped.
 */
async function stopOutsideWrite(store: TestStore, follower: ChildProcess): Promise<void> {
  for (;;) {
    follower.kill('SIGSTOP');
    if (store.kind === 'postgres' || writable(store.spec)) return;
    follower.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a write transaction can begin on the SQLite file at once. */
function writable(path: string): boolean {
  const database = new BetterSqlite3(path, { timeout: 0 });
  try {
    database.exec('begin immediate; rollback');
    return true;
  } catch {
    return false;
  } finally {
    database.close();
  }
}

describe('a follower frozen past its lease while another took its records', () => {
  describeEachStore('poll --all on %s', (kind) => {
    // Slow answers, so the frozen poll resumes with its requests still in flight and their answers final.
    const suite = ncpSuite(kind, { latencyMs: 1_000 });
    const { fake } = suite;
    const poll = () => ['--db', suite.store.spec, 'poll', '--all', '--interval', '100ms', '--timeout', '60s'];
    const env = () => ncpEnv(fake, { ...shortLeases, SHIPLOG_REQUEST_TIMEOUT: '30s' });

    it('says "taken over by another follower" once for every record it lost, writes nothing to them, and exits 3', async () => {
      const seeded = await seedNcpDeployments(suite.store.spec, fake, 5, [{ status: 'inprogress' }]);
      const frozen = startCli(poll(), { env: env() });
      await until(() => seeded.every(({ historyId }) => fake.reads(historyId) >= 1), 20_000);
      const owner = (await snapshot(suite.store)).deployments[0]!.lease_owner;
      const result = await frozenWhile(suite.store, frozen, async () => {
        // Its requests were in flight as it froze; their answers, read once it runs again, are final.
        for (const { historyId } of seeded) fake.script(historyId, [{ status: 'success' }]);
        const other = startCli(poll(), { env: env() });
        await takenFrom(suite.store, owner);
        const finished = await other.result;
        expect(finished.code, finished.stderr).toBe(0);
      });
      expect(result.stderr).not.toContain('unexpected error');
      for (const { key } of seeded) expect(takenOver(result.stderr, key), result.stderr).toHaveLength(1);
      expect(result.code, result.stderr).toBe(3);
      const after = await snapshot(suite.store);
      for (const { id } of seeded) expect(transitions(after, id)).toEqual(['null->running', 'running->success']);
    }, 60_000);
  });

  describeEachStore('track --all on %s', (kind) => {
    const t = storeWithCluster(kind);
    const names = ['web', 'api', 'worker', 'cron'];
    const track = () => startCli(['--db', t.store.spec, 'track', '--all'], { env: { ...t.cluster.env, ...shortLeases } });

    it('says "taken over by another follower" once for every rollout it lost, and exits with their outcome', async () => {
      for (const name of names.slice(1)) t.cluster.api.addDeployment('prod', name, { replicas: 2 });
      for (const name of names) t.cluster.api.behave('prod', name, 'manual');
      const refs = await recordRollouts(
        t.store.spec,
        t.cluster,
        names.map((name) => ({ app: name, env: 'prod', namespace: 'prod', name, image: `registry.example/${name}:2.0.0` })),
      );
      const frozen = track();
      await t.cluster.api.waitForWatches(1, 'prod');
      await until(async () => (await snapshot(t.store)).deployments.every((d) => d.lease_owner !== null), 20_000);
      const owner = (await snapshot(t.store)).deployments[0]!.lease_owner;
      const result = await frozenWhile(t.store, frozen, async () => {
        const other = track();
        await takenFrom(t.store, owner);
        await t.cluster.api.waitForWatches(2, 'prod');
        // Every rollout completes: both watches hear of it, the frozen one only once it runs again.
        for (const name of names) while (t.cluster.api.step('prod', name));
        const finished = await other.result;
        expect(finished.code, finished.stderr).toBe(0);
      });
      expect(result.stderr).not.toContain('unexpected error');
      for (const [, key] of refs) expect(takenOver(result.stderr, key), result.stderr).toHaveLength(1);
      expect(result.code, result.stderr).toBe(0);
      const after = await snapshot(t.store);
      for (const [id] of refs) expect(transitions(after, id)).toEqual(['null->running', 'running->success']);
    }, 60_000);
  });
});
