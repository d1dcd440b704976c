import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { openStore } from '../src/db/open-store.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { recordRollouts, startFakeCluster, stderrSoFar, type FakeCluster } from './support/kubernetes.js';
import { startPostgresCluster, type PostgresCluster } from './support/postgres-cluster.js';

/** Waits until `check` holds, failing at once if the process ended first (as a follower that gave up does). */
async function waitFor(what: string, child: ChildProcess, check: () => boolean, explain: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`the process ended (exit ${child.exitCode}) before ${what}\n${explain()}`);
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a PostgreSQL restart under a long-running follower', () => {
  let server: PostgresCluster;
  let dir: string;
  let db: string;
  let halted = false;
  const halt = () => {
    server.halt();
    halted = true;
  };
  const resume = () => {
    server.resume();
    halted = false;
  };
  beforeAll(async () => {
    server = await startPostgresCluster();
  }, 120_000);
  afterAll(() => server?.stop());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-outage-'));
    const name = `shiplog_outage_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    db = url.toString();
  });
  afterEach(() => {
    // A test that failed mid-outage leaves the server up for the next one.
    if (halted) resume();
    rmSync(dir, { recursive: true, force: true });
  });

  it('poll --all rides it out: it says so on stderr, reconnects, and settles the deployment', async () => {
    const http = new HttpStatusFake();
    await http.start();
    try {
      http.script('/deploys/7', [{ status: 'running' }]);
      const deployed = await runCliJson<DeploymentJson>(['--db', db, 'deploy', '--app', 'api', '--env', 'prod', '--status-url', http.url('/deploys/7')]);
      expect(deployed.result.code, deployed.result.stderr).toBe(0);
      const { key } = deployed.json;
      const poller = startCli(['--db', db, 'poll', '--all', '--interval', '200ms', '--timeout', '3m'], { env: quickPolling, timeoutMs: 120_000 });
      const stderr = stderrSoFar(poller);
      await waitFor('the poller has read the status twice', poller, () => http.reads('/deploys/7') >= 2, stderr);

      halt();
      // The deploy system finishes while the store is down: settling it needs the store.
      http.script('/deploys/7', [{ status: 'success' }]);
      await waitFor('the poller has lost the store', poller, () => stderr().includes('lost the connection to the store'), stderr);
      resume();

      const { code } = await poller.result;
      expect(code, stderr()).toBe(0);
      expect(stderr()).toMatch(/lost the connection to the store postgres:\/\/postgres@127\.0\.0\.1:\d+\/shiplog_outage_\w+; reconnecting for up to 60s/);
      expect(stderr()).toContain('reconnected to the store');
      expect(stderr()).not.toMatch(/\n\s+at /);
      const shown = (await runCliJson<DeploymentJson>(['--db', db, 'show', key])).json;
      expect(shown.status).toBe('success');
      expect(shown.events!.filter((event) => event.to === 'success')).toHaveLength(1);
    } finally {
      await http.close();
    }
  });

  it('a restart while a transaction holds a connection between two statements fails that transaction, and nothing else', async () => {
    const store = await openStore(db);
    // pg emits a cut connection's error on the client as well as on its query; a client the pool has handed out
    // has no listener of the pool's, and an error with no listener ends the process.
    const uncaught: unknown[] = [];
    const noteUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', noteUncaught);
    try {
      const transaction = store.write(async (tx) => {
        await tx.selectFrom('deployments').select('id').execute();
        halt();
        // The server's goodbye reaches the client while no statement of ours is running.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.selectFrom('deployments').select('id').execute();
      });
      await expect(transaction).rejects.toThrow(/cannot reach the PostgreSQL store/);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', noteUncaught);
      resume();
      await store.close();
    }
  });

  it('track --all --follow rides it out and goes on picking up new deployments', async () => {
    const cluster: FakeCluster = await startFakeCluster(dir, { stepMs: 30 });
    cluster.api.addDeployment('prod', 'web', { replicas: 2 });
    try {
      expect((await runCli(['--db', db, 'doctor', '--fix'])).code).toBe(0);
      const watcher = startCli(['--db', db, '--verbose', 'track', '--all', '--follow'], { env: cluster.env, timeoutMs: 120_000 });
      const stderr = stderrSoFar(watcher);
      await waitFor('the watcher is watching the store', watcher, () => stderr().includes('watching the store for newly recorded Kubernetes deployments'), stderr);

      halt();
      await waitFor('the watcher has lost the store', watcher, () => stderr().includes('lost the connection to the store'), stderr);
      resume();
      await waitFor('the watcher has reconnected', watcher, () => stderr().includes('reconnected to the store'), stderr);

      const [, key] = (await recordRollouts(db, cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]))[0]!;
      await waitFor('the watcher has settled the new deployment', watcher, () => stderr().includes('success: deployment "web" successfully rolled out'), stderr);
      watcher.kill('SIGTERM');
      const { code, stdout } = await watcher.result;
      expect(code, stderr()).toBe(0);
      expect(stdout).toContain(`${key} web registry.example/web:2.0.0 -> prod: success`);
      expect(stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await cluster.api.close();
    }
  });
});
