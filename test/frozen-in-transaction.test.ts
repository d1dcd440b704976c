import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { ncpSuite, until } from '../fixtures/ncp-suite.js';
import { startCli } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { storeKinds } from './support/stores.js';

/**
 * A follower stopped (SIGSTOP, a suspended VM, a starved runner) between a statement of its transaction and the
 * commit keeps the row locks of every record it follows. Its leases lapse, but another follower's claim would wait
 * for those locks for as long as it stays stopped: the server must end a follower's transaction left silent past a
 * lease's life (five seconds at the least). PostgreSQL only: a SQLite write lock held by a stopped process is held
 * until it runs again.
 */
describe.skipIf(!storeKinds().includes('postgres'))('a follower stopped inside its transaction on postgres', () => {
  const suite = ncpSuite('postgres');
  const { fake } = suite;
  const leases = { SHIPLOG_LEASE_TTL: '2s', SHIPLOG_HEARTBEAT_MS: '100' };
  const poll = () => startCli(['--db', suite.store.spec, 'poll', '--all', '--interval', '100ms', '--timeout', '60s'], { env: ncpEnv(fake, leases) });

  it('holds its records only until the server ends its transaction: another follower then takes them over and settles them', async () => {
    const seeded = await seedNcpDeployments(suite.store.spec, fake, 3, [{ status: 'inprogress' }]);
    const stopped = poll();
    const locker = new pg.Client({ connectionString: suite.store.spec });
    // pg_stat_activity is read once per transaction: the locker's open transaction would see it frozen.
    const observer = new pg.Client({ connectionString: suite.store.spec });
    await locker.connect();
    await observer.connect();
    try {
      await until(async () => (await snapshot(suite.store)).deployments.every((d) => d.lease_owner !== null), 20_000);
      // The last record locked, the next heartbeat locks the others and waits for it: stopped there, then let on,
      // the heartbeat's update completes and the process, stopped, never commits it.
      await locker.query('begin');
      await locker.query('select id from deployments where id = $1 for update', [seeded.at(-1)!.id]);
      await until(async () => (await heartbeats(observer, "wait_event_type = 'Lock'")) > 0, 20_000);
      stopped.kill('SIGSTOP');
      await locker.query('rollback');
      await until(async () => (await heartbeats(observer, "state = 'idle in transaction'")) > 0, 20_000);

      // Past the leases' life: another follower now takes the records rather than leave them to a live one.
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      for (const { historyId } of seeded) fake.script(historyId, [{ status: 'success' }]);
      const other = poll();
      const ended = await Promise.race([other.result, new Promise<undefined>((resolve) => setTimeout(resolve, 20_000))]);
      if (!ended) other.kill('SIGKILL');
      expect(ended, 'the second follower is still waiting for the stopped one after 20 s').toBeDefined();
      expect(ended!.code, ended!.stderr).toBe(0);
      const after = await snapshot(suite.store);
      for (const { id } of seeded) expect(after.deployments.find((d) => Number(d.id) === id)?.status).toBe('success');
    } finally {
      stopped.kill('SIGCONT');
      await locker.end();
      await observer.end();
    }
    // Run again, it learns its session was ended and its leases taken, and writes nothing more.
    const result = await stopped.result;
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code, result.stderr).toBe(3);
  }, 60_000);
});

/** Heartbeat updates of other sessions in the state `where` names. */
async function heartbeats(client: pg.Client, where: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`select count(*) as n from pg_stat_activity where pid <> pg_backend_pid() and ${where} and query like '%heartbeat_at%'`);
  return Number(rows[0]!.n);
}
