import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach } from 'vitest';
import { FakeKubeApi, type FakeKind, type KubeApiOptions } from '../../fixtures/kube-api-server.js';
import { writeKubeconfig } from '../../fixtures/kube-config.js';
import type { DeploymentRef } from '../../src/db/deployments.js';
import { openStore } from '../../src/db/open-store.js';
import { recordDeployment } from '../../src/deploy/record.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';

/** Short intervals so a test of watch restarts takes a second, not minutes; the watchdog is off unless a test lowers it. */
export const kubeTuning: NodeJS.ProcessEnv = {
  SHIPLOG_WATCH_IDLE_MS: '60000',
  SHIPLOG_WATCH_BACKOFF_MS: '50',
  SHIPLOG_WATCH_BACKOFF_CAP_MS: '200',
  SHIPLOG_TRACK_SCAN_MS: '200',
  SHIPLOG_HEARTBEAT_MS: '200',
};

export interface FakeCluster {
  api: FakeKubeApi;
  kubeconfig: string;
  /** Environment for a CLI run against this cluster: KUBECONFIG and the short intervals. */
  env: NodeJS.ProcessEnv;
}

/** The fake API server, with a kubeconfig for it written into `dir`. */
export async function startFakeCluster(dir: string, options: KubeApiOptions = {}): Promise<FakeCluster> {
  const api = await FakeKubeApi.start(options);
  const kubeconfig = writeKubeconfig(dir, { server: api.url, token: api.token });
  return { api, kubeconfig, env: { ...kubeTuning, KUBECONFIG: kubeconfig } };
}

/**
 * Gives each test of a describe block a fresh store of `kind` and a fresh fake cluster holding Deployment
 * prod/web (2 replicas, rollout steps 30 ms apart), and takes both down after it.
 */
export function storeWithCluster(kind: StoreKind): { store: TestStore; cluster: FakeCluster } {
  const fresh = {} as { store: TestStore; cluster: FakeCluster };
  beforeEach(async () => {
    fresh.store = await createTestStore(kind);
    fresh.cluster = await startFakeCluster(fresh.store.dir, { stepMs: 30 });
    fresh.cluster.api.addDeployment('prod', 'web', { replicas: 2 });
  });
  afterEach(async () => {
    await fresh.cluster.api.close();
    await fresh.store.cleanup();
  });
  return fresh;
}

export interface RolloutSpec {
  app: string;
  env: string;
  /** A Deployment unless given. */
  kind?: FakeKind;
  namespace: string;
  name: string;
  image: string;
}

/**
 * Starts a rollout on the fake cluster and records it as `running`, as `deploy --k8s --image` would, without a
 * CLI process per deployment: for tests that need many deployments at once.
 */
export async function recordRollouts(storeSpec: string, cluster: FakeCluster, specs: readonly RolloutSpec[]): Promise<DeploymentRef[]> {
  const store = await openStore(storeSpec);
  try {
    const refs: DeploymentRef[] = [];
    for (const spec of specs) {
      const kind = spec.kind ?? 'deployment';
      const container = cluster.api.workload(kind, spec.namespace, spec.name)!.spec.template.spec.containers[0]!;
      const previousImage = container.image;
      const patched = cluster.api.setImage(spec.namespace, spec.name, container.name, spec.image, kind);
      const target = { kind, namespace: spec.namespace, name: spec.name, container: container.name, context: 'fake', server: cluster.api.url, previousImage, generation: patched.metadata.generation };
      const recorded = await recordDeployment(store, { app: spec.app, env: spec.env, image: spec.image, provider: 'kubernetes', target, status: 'running', source: 'cli' });
      refs.push(recorded.ref);
    }
    return refs;
  } finally {
    await store.close();
  }
}

/** What a running CLI has written to stderr so far. */
export function stderrSoFar(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Polls `check` until it holds; fails the test with `what` (and what `explain` says, such as a process's stderr) after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, explain: () => string = () => '', timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
