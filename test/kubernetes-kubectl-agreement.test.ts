import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadVerdict, type WorkloadSnapshot } from '../src/providers/kubernetes/workload.js';
import { startFakeCluster, type FakeCluster } from './support/kubernetes.js';
import { hasTool } from './support/tools.js';
import { daemonSetCases, deploymentCases, statefulSetCases, type WorkloadCase } from './support/workload-cases.js';

interface KubectlAnswer {
  state: 'waiting' | 'complete' | 'failed';
  message: string;
}

/**
 * `kubectl rollout status` on the object the fake API server serves, watching for a second: done in time is
 * `complete`, "timed out waiting" is `waiting`, any other error is `failed`. Its message is the last line it wrote
 * (or its error), without kubectl's trailing newline and "error: " prefix.
 */
function askKubectl(cluster: FakeCluster, home: string, c: WorkloadCase): Promise<KubectlAnswer> {
  const args = ['--kubeconfig', cluster.kubeconfig, '--cache-dir', join(home, 'cache'), 'rollout', 'status', `${c.kind}/${c.object.metadata.name}`, '-n', c.object.metadata.namespace, '--timeout=1s'];
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lastLine = stdout.trimEnd().split('\n').at(-1) ?? '';
      if (code === 0) return resolve({ state: 'complete', message: lastLine });
      const error = stderr.trim().replace(/^error: /, '');
      if (error === 'timed out waiting for the condition') return resolve({ state: 'waiting', message: lastLine });
      resolve({ state: 'failed', message: error });
    });
  });
}

// Without kubectl these are skipped, and the run's setup says so (a failure under CI): test/support/tools.ts.
describe.skipIf(!hasTool('kubectl'))('shiplog and kubectl rollout status agree on every case of the table', () => {
  let cluster: FakeCluster;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'shiplog-kubectl-'));
    // kubectl sends no bearer token to a plain-http server: the fake lets it in as an anonymous user.
    cluster = await startFakeCluster(home, { anonymous: true });
  });

  afterAll(async () => {
    await cluster?.api.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  // Each case in a namespace of its own, so kubectl's list and watch see that object alone.
  const cases = [...deploymentCases, ...statefulSetCases, ...daemonSetCases].map((c, index) => ({ ...c, object: { ...c.object, metadata: { ...c.object.metadata, namespace: `case-${index}` } } }));

  it.concurrent.each(cases.map((c) => [`${c.kind}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    cluster.api.serve(c.object);
    const answer = await askKubectl(cluster, home, c);
    expect(answer).toEqual({ state: c.state, message: c.message });
    // shiplog's words are kubectl's, with only what kubectl does not say after them.
    expect(workloadVerdict(c.kind, c.object as WorkloadSnapshot)).toEqual({ ...answer, message: answer.message + (c.adds ?? '') });
  });
});
