import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { httpStatusOf } from '../src/providers/kubernetes/api-failure.js';
import { KubeCluster } from '../src/providers/kubernetes/cluster.js';
import { loadKubeAccess } from '../src/providers/kubernetes/kubeconfig.js';
import { NamespaceWatch } from '../src/providers/kubernetes/namespace-watch.js';
import { watchTuning } from '../src/providers/kubernetes/watch-tuning.js';
import { kubeTuning, startFakeCluster, type FakeCluster } from './support/kubernetes.js';

let dir: string;
let fake: FakeCluster;
let cluster: KubeCluster;
const names = ['api', 'cache', 'db', 'queue', 'web'];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shiplog-list-pages-'));
  fake = await startFakeCluster(dir, { stepMs: 20 });
  cluster = new KubeCluster(loadKubeAccess({ kubeconfig: fake.kubeconfig }));
  for (const name of names) fake.api.addDeployment('prod', name, { replicas: 2 });
});

afterEach(async () => {
  cluster.close();
  await fake.api.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a watch of prod's Deployments listing 2 a page; resolves with it once its first list is taken, and what it logged. */
async function listedWatch(): Promise<{ watch: NamespaceWatch; log: string[] }> {
  const log: string[] = [];
  let watch: NamespaceWatch | undefined;
  await new Promise<void>((resolve, reject) => {
    watch = new NamespaceWatch(cluster, 'deployment', 'prod', { ...watchTuning(kubeTuning), listPageSize: 2 }, { changed: () => undefined, listed: resolve, failed: reject }, (line) => log.push(line));
    watch.start();
  });
  return { watch: watch!, log };
}

it("every page of a list is read at the first page's resourceVersion: a change made between two pages is not in it", async () => {
  const first = await cluster.listWorkloads('deployment', 'prod', { limit: 2 });
  expect(first.items.map((d) => d.metadata?.name)).toEqual(['api', 'cache']);
  expect(first.continue).toBeDefined();
  const changed = fake.api.setImage('prod', 'web', 'web', 'web:2');

  const second = await cluster.listWorkloads('deployment', 'prod', { limit: 2, continue: first.continue });
  const third = await cluster.listWorkloads('deployment', 'prod', { limit: 2, continue: second.continue });
  expect([second, third].map((page) => page.items.map((d) => d.metadata?.name))).toEqual([['db', 'queue'], ['web']]);
  expect(third.continue).toBeUndefined();
  expect([second.resourceVersion, third.resourceVersion]).toEqual([first.resourceVersion, first.resourceVersion]);
  expect(third.items[0]!.metadata?.generation).toBe(changed.metadata.generation - 1);
  expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(first.resourceVersion));
});

it('a page token older than the history the server keeps is refused 410 Expired', async () => {
  const first = await cluster.listWorkloads('deployment', 'prod', { limit: 2 });
  fake.api.setImage('prod', 'web', 'web', 'web:2');
  fake.api.expireHistory();
  const refused = await cluster.listWorkloads('deployment', 'prod', { limit: 2, continue: first.continue }).catch((error: unknown) => error);
  expect(httpStatusOf(refused)).toBe(410);
});

it('a namespace of more workloads than a page is listed a page at a time, and watched from the resourceVersion of the list', async () => {
  const { watch } = await listedWatch();
  try {
    const lists = fake.api.listRequests('prod');
    expect(lists.map((r) => r.query.limit)).toEqual(['2', '2', '2']);
    expect(lists.map((r) => r.query.continue === undefined)).toEqual([true, false, false]);
    for (const name of names) expect(watch.current(name), name).not.toBe('deleted');
    await fake.api.waitForWatches(1, 'prod');
    expect(fake.api.watchRequests('prod')[0]!.query.resourceVersion).toBe(fake.api.get('prod', 'web')!.metadata.resourceVersion);
  } finally {
    watch.stop();
  }
});

it('a page token that expires between two pages is answered by listing the namespace again in one request', async () => {
  fake.api.expireEveryContinue(true);
  const { watch, log } = await listedWatch();
  try {
    const lists = fake.api.listRequests('prod');
    expect(lists.map((r) => [r.query.limit, r.query.continue === undefined])).toEqual([
      ['2', true],
      ['2', false],
      [undefined, true],
    ]);
    for (const name of names) expect(watch.current(name), name).not.toBe('deleted');
    expect(log).toEqual(['the list of Deployments in namespace prod expired between two pages (410 Gone); listing it again in one request']);
  } finally {
    watch.stop();
  }
});
