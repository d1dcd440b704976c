import { afterEach, beforeEach, expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments, type SeededDeployment } from '../fixtures/ncp-seed.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { execSql, snapshot, type StoreSnapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { serveDuringSuite } from './support/serve-during.js';

const token = 'billing-token-5c1a';

describeEachStore('poll --all on a store several apps share, on %s', (kind) => {
  const ncp = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  const statusUrl = new HttpStatusFake({ requireHeaders: { authorization: `Bearer ${token}` } });
  let store: TestStore;
  serveDuringSuite(ncp, statusUrl);
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(() => store.cleanup());

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['--db', store.spec, ...args], { env: ncpEnv(ncp, env) });
  const poll = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliJson<DeploymentJson[]>(['--db', store.spec, 'poll', '--interval', '100ms', ...args], { env: ncpEnv(ncp, env) });
  const statuses = (records: DeploymentJson[]) => Object.fromEntries(records.map((d) => [d.app, d.status]));
  /** A record's row and events as the database holds them, to tell that a run left it exactly as it was. */
  const rowOf = (snap: StoreSnapshot, id: number) => ({
    deployment: snap.deployments.find((d) => Number(d.id) === id),
    events: snap.events.filter((e) => Number(e.deployment_id) === id),
  });

  interface SharedStore {
    web: SeededDeployment;
    api: SeededDeployment;
    /** Timed out in an earlier run; its NCP run has succeeded since. */
    legacy: SeededDeployment;
    billing: { id: number; key: string; path: string };
  }

  /**
   * web in prod and api in staging, running on NCP; billing in prod, running behind a status URL whose token is
   * read from $BILLING_TOKEN; legacy in prod, an NCP deployment an earlier poll left `timeout`.
   */
  async function sharedStore(): Promise<SharedStore> {
    const [web] = await seedNcpDeployments(store.spec, ncp, ['web'], [{ status: 'inprogress' }, { status: 'success' }], 'prod');
    const [api] = await seedNcpDeployments(store.spec, ncp, ['api'], [{ status: 'success' }], 'staging');
    const [legacy] = await seedNcpDeployments(store.spec, ncp, ['legacy'], [{ status: 'success' }], 'prod');
    await execSql(store, "update deployments set status = 'timeout' where id = ?", [legacy!.id]);
    const path = `/deploys/${Math.random().toString(36).slice(2, 10)}`;
    statusUrl.script(path, [{ status: 'running' }, { status: 'success' }]);
    const deployed = await cli(['deploy', '--app', 'billing', '--env', 'prod', '--status-url', statusUrl.url(path), '--header', 'Authorization: Bearer env:BILLING_TOKEN']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const key = deployed.stdout.trim();
    const id = Number((await snapshot(store)).deployments.find((d) => d.key === key)!.id);
    return { web: web!, api: api!, legacy: legacy!, billing: { id, key, path } };
  }

  it('follows the running deployments of every app, reports the one it cannot follow on its own line, and leaves it and the old timeout alone', async () => {
    const { billing, legacy } = await sharedStore();
    const before = await snapshot(store);
    const { result, json } = await poll(['--all']);
    expect(result.code, result.stderr).toBe(5);
    expect(statuses(json)).toEqual({ web: 'success', api: 'success', billing: 'running' });
    expect(result.stderr.split('\n').filter((line) => line.includes(billing.key))).toEqual([
      `${billing.key} billing -> prod: not followed, left running: header Authorization takes its value from $BILLING_TOKEN, which is not set here; set it and run again`,
    ]);
    const after = await snapshot(store);
    expect(rowOf(after, billing.id)).toEqual(rowOf(before, billing.id));
    expect(rowOf(after, legacy.id)).toEqual(rowOf(before, legacy.id));
    expect(statusUrl.reads(billing.path)).toBe(0);
    expect(ncp.reads(legacy.historyId)).toBe(0);
  });

  it('a status URL that refuses one deployment stops only that one, which is left running and unleased', async () => {
    const { billing } = await sharedStore();
    const { result, json } = await poll(['--all'], { BILLING_TOKEN: 'expired-token' });
    expect(result.code, result.stderr).toBe(5);
    expect(statuses(json)).toEqual({ web: 'success', api: 'success', billing: 'running' });
    expect(result.stderr).toContain(`${billing.key} billing -> prod: not followed, left running: the status URL refused the request (HTTP 401)`);
    expect(rowOf(await snapshot(store), billing.id).deployment).toMatchObject({ status: 'running', lease_owner: null });
  });

  it('--app and --env (each repeatable) and --provider choose what --all follows', async () => {
    const { api, billing } = await sharedStore();
    const prodWeb = await poll(['--all', '--app', 'web', '--app', 'api', '--env', 'prod']);
    expect(prodWeb.result.code, prodWeb.result.stderr).toBe(0);
    expect(statuses(prodWeb.json)).toEqual({ web: 'success' });
    expect(ncp.reads(api.historyId)).toBe(0);

    const http = await poll(['--all', '--provider', 'http'], { BILLING_TOKEN: token });
    expect(http.result.code, http.result.stderr).toBe(0);
    expect(statuses(http.json)).toEqual({ billing: 'success' });
    expect(ncp.reads(api.historyId)).toBe(0);

    const staging = await poll(['--all', '--env', 'staging', '--env', 'dev']);
    expect(staging.result.code, staging.result.stderr).toBe(0);
    expect(statuses(staging.json)).toEqual({ api: 'success' });
    expect(rowOf(await snapshot(store), billing.id).deployment).toMatchObject({ status: 'success' });
  });

  it('an unresolved deployment of an earlier run is followed only with --unresolved', async () => {
    const { legacy } = await sharedStore();
    const active = await poll(['--all', '--app', 'legacy']);
    expect(active.result.code, active.result.stderr).toBe(0);
    expect(active.json).toEqual([]);
    expect(active.result.stderr).toContain('--unresolved adds those left timeout or stale');
    expect(ncp.reads(legacy.historyId)).toBe(0);

    const unresolved = await poll(['--all', '--unresolved', '--app', 'legacy']);
    expect(unresolved.result.code, unresolved.result.stderr).toBe(0);
    expect(statuses(unresolved.json)).toEqual({ legacy: 'success' });
  });

  it('following a dozen deployments at once warns of no listener leak', async () => {
    await seedNcpDeployments(store.spec, ncp, 12, [{ status: 'inprogress', times: 2 }, { status: 'success' }]);
    const { result, json } = await poll(['--all']);
    expect(result.code, result.stderr).toBe(0);
    expect(json.map((d) => d.status)).toEqual(Array(12).fill('success'));
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it.each([
    [['dep_X', '--app', 'web'], '--app, --env, --provider and --unresolved choose among open deployments: use them with --all'],
    [['dep_X', '--unresolved'], '--app, --env, --provider and --unresolved choose among open deployments: use them with --all'],
    [['--all', '--provider', 'kubernetes'], "--provider: 'kubernetes' is not one poll follows (ncp, http); 'shiplog track' follows kubernetes ones"],
    [['--all', '--app', ' web'], "--app: ' web' is not a usable name"],
  ])('bad input %j exits 2 with one line and writes nothing', async (args, message) => {
    await seedNcpDeployments(store.spec, ncp, ['web'], [{ status: 'success' }]);
    const before = await snapshot(store);
    const result = await cli(['poll', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(await snapshot(store)).toEqual(before);
  });
});
