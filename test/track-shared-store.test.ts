import { expect, it } from 'vitest';
import type { DeploymentRef } from '../src/db/deployments.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { recordRollouts, storeWithCluster, type RolloutSpec } from './support/kubernetes.js';
import { execSql, snapshot, type StoreSnapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('track --all on a store several apps share, on %s', (kind) => {
  const t = storeWithCluster(kind);

  const cli = (args: string[]) => runCli(['--db', t.store.spec, ...args], { env: t.cluster.env });
  const track = (args: string[]) => runCliJson<DeploymentJson[]>(['--db', t.store.spec, 'track', ...args], { env: t.cluster.env });
  const statuses = (records: DeploymentJson[]) => Object.fromEntries(records.map((d) => [d.app, d.status]));
  const rowOf = (snap: StoreSnapshot, id: number) => ({
    deployment: snap.deployments.find((d) => Number(d.id) === id),
    events: snap.events.filter((e) => Number(e.deployment_id) === id),
  });

  /** Rollouts under way on the fake cluster, recorded running; each gets a Deployment of its own first. */
  async function rollouts(specs: readonly RolloutSpec[]): Promise<DeploymentRef[]> {
    for (const spec of specs) if (!t.cluster.api.get(spec.namespace, spec.name)) t.cluster.api.addDeployment(spec.namespace, spec.name, { replicas: 1 });
    return recordRollouts(t.store.spec, t.cluster, specs);
  }

  /**
   * web in prod and api in staging, rolling out; orders in prod, recorded through a kubeconfig context this
   * machine does not have; legacy in prod, left `timeout` by an earlier track (its rollout has finished since).
   */
  async function sharedStore() {
    const [web, api, orders, legacy] = await rollouts([
      { app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'web:2' },
      { app: 'api', env: 'staging', namespace: 'staging', name: 'api', image: 'api:2' },
      { app: 'orders', env: 'prod', namespace: 'prod', name: 'orders', image: 'orders:2' },
      { app: 'legacy', env: 'prod', namespace: 'prod', name: 'legacy', image: 'legacy:2' },
    ]);
    await execSql(t.store, `update deployments set target = replace(target, '"context":"fake"', '"context":"gone"') where id = ?`, [orders![0]]);
    await execSql(t.store, "update deployments set status = 'timeout' where id = ?", [legacy![0]]);
    return { web: web!, api: api!, orders: orders!, legacy: legacy! };
  }

  it("follows the running rollouts of every app, reports the one whose context is not here on its own line, and leaves it and the old timeout alone", async () => {
    const { orders, legacy } = await sharedStore();
    const before = await snapshot(t.store);
    const { result, json } = await track(['--all']);
    expect(result.code, result.stderr).toBe(5);
    expect(statuses(json)).toEqual({ web: 'success', api: 'success', orders: 'running' });
    expect(result.stderr.split('\n').filter((line) => line.includes(orders[1]))).toEqual([
      expect.stringMatching(new RegExp(`^${orders[1]} orders -> prod: not followed, left running: kubeconfig .* has no context 'gone'; list them with 'kubectl config get-contexts'$`)),
    ]);
    const after = await snapshot(t.store);
    expect(rowOf(after, orders[0])).toEqual(rowOf(before, orders[0]));
    expect(rowOf(after, legacy[0])).toEqual(rowOf(before, legacy[0]));
  });

  it('--app, --env and --unresolved choose what --all follows', async () => {
    const { legacy } = await sharedStore();
    const prodWeb = await track(['--all', '--app', 'web', '--app', 'orders-not-here', '--env', 'prod']);
    expect(prodWeb.result.code, prodWeb.result.stderr).toBe(0);
    expect(statuses(prodWeb.json)).toEqual({ web: 'success' });

    const staging = await track(['--all', '--env', 'staging', '--provider', 'kubernetes']);
    expect(staging.result.code, staging.result.stderr).toBe(0);
    expect(statuses(staging.json)).toEqual({ api: 'success' });

    const active = await track(['--all', '--app', 'legacy']);
    expect(active.result.code, active.result.stderr).toBe(0);
    expect(active.json).toEqual([]);
    expect(active.result.stderr).toContain('--unresolved adds those left timeout or stale');
    const unresolved = await track(['--all', '--unresolved', '--app', 'legacy']);
    expect(unresolved.result.code, unresolved.result.stderr).toBe(0);
    expect(statuses(unresolved.json)).toEqual({ legacy: 'success' });
    expect(rowOf(await snapshot(t.store), legacy[0]).events.map((e) => `${e.from_status}->${e.to_status}`)).toEqual(['null->running', 'timeout->success']);
  });

  it('the one deployment named alone that cannot be followed is the command error, and is left as it is', async () => {
    const { orders } = await sharedStore();
    const before = await snapshot(t.store);
    const result = await cli(['track', orders[1]]);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^shiplog: kubeconfig .* has no context 'gone'/);
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('following a dozen rollouts at once warns of no listener leak', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
    await rollouts(names.map((name) => ({ app: name, env: 'prod', namespace: `ns-${name}`, name, image: `${name}:2` })));
    const { result, json } = await track(['--all']);
    expect(result.code, result.stderr).toBe(0);
    expect(json.map((d) => d.status)).toEqual(Array(12).fill('success'));
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it.each([
    [['dep_X', '--env', 'prod'], '--app, --env, --provider and --unresolved choose among open deployments: use them with --all'],
    [['--all', '--provider', 'ncp'], "--provider: 'ncp' is not one track follows (kubernetes, helm); 'shiplog poll' follows ncp and http ones"],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const result = await cli(['track', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });
});
