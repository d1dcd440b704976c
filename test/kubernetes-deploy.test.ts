import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeKubeconfig } from '../fixtures/kube-config.js';
import type { RollbackPreview } from '../src/commands/rollback.js';
import { runCli, runCliJson, startCli, type CliResult, type DeploymentJson } from './support/cli.js';
import { storeWithCluster } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeEachStore('deploy --k8s on %s', (kind) => {
  const t = storeWithCluster(kind);

  const deployArgs = (...rest: string[]) => ['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', ...rest];
  const deploy = (rest: string[], env: NodeJS.ProcessEnv = {}) => runCli(deployArgs(...rest), { env: { ...t.cluster.env, ...env } });
  const deployJson = (rest: string[], env: NodeJS.ProcessEnv = {}) => runCliJson<DeploymentJson>(deployArgs(...rest), { env: { ...t.cluster.env, ...env } });
  const show = async (key: string) => (await runCliJson<DeploymentJson>(['--db', t.store.spec, 'show', key])).json;

  it('deploy --k8s --image --wait sets the image by strategic merge patch, keeps the previous one, and follows the rollout to success', async () => {
    const { result, json } = await deployJson(['--k8s', 'prod/web', '--image', 'registry.example/web:2.0.0', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ status: 'success', provider: 'kubernetes', image: 'registry.example/web:2.0.0', error: null });
    expect(json.target).toEqual({
      kind: 'deployment',
      namespace: 'prod',
      name: 'web',
      container: 'web',
      context: 'fake',
      server: t.cluster.api.url,
      previousImage: 'registry.example/web:1.0.0',
      previousRevision: '1',
      generation: 2,
    });
    expect(t.cluster.api.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType)).toEqual(['application/strategic-merge-patch+json']);
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:2.0.0');
    expect((await show(json.key)).events!.map((e) => `${e.from ?? '-'}>${e.to} ${e.source}`)).toEqual(['->pending cli', 'pending>running watch', 'running>success watch']);
  });

  it('deploy --k8s with a command runs it, then follows the rollout it started', async () => {
    const patch = `fetch(process.env.FAKE_URL + '/apis/apps/v1/namespaces/prod/deployments/web', { method: 'PATCH',
      headers: { authorization: 'Bearer ' + process.env.FAKE_TOKEN, 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'web:3' }] } } } }) })
      .then((answer) => { console.log('patched', answer.status); process.exit(answer.ok ? 0 : 1); })`;
    const { result, json } = await deployJson(['--k8s', 'prod/web', '--wait', '--', process.execPath, '-e', patch], { FAKE_URL: t.cluster.api.url, FAKE_TOKEN: t.cluster.api.token });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('patched 200');
    expect(json).toMatchObject({ status: 'success', image: null });
    expect(json.target).toMatchObject({ previousImage: 'registry.example/web:1.0.0', generation: 2 });
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('web:3');
  });

  it('a deploy command that fails fails the deployment, with its output, and nothing is followed', async () => {
    const { result, json } = await deployJson(['--k8s', 'prod/web', '--wait', '--', process.execPath, '-e', "console.error('helm: release is locked'); process.exit(3)"]);
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.error).toBe('command exited 3\nhelm: release is locked');
    expect(t.cluster.api.watchRequests()).toEqual([]);
  });

  it('a deploy command that changed the Deployment and then failed counts as started, so rollback undoes it', async () => {
    const good = await deployJson(['--version', '2', '--k8s', 'prod/web', '--image', 'web:2', '--wait']);
    expect(good.result.code, good.result.stderr).toBe(0);
    // As `helm upgrade --wait` does when the rollout it applied is not ready in time: the change is out, the command fails.
    const patchThenFail = `fetch(process.env.FAKE_URL + '/apis/apps/v1/namespaces/prod/deployments/web', { method: 'PATCH',
      headers: { authorization: 'Bearer ' + process.env.FAKE_TOKEN, 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'web:3' }] } } } }) })
      .then(() => { console.error('Error: UPGRADE FAILED: timed out waiting for the condition'); process.exit(1); })`;
    const bad = await deployJson(['--version', '3', '--k8s', 'prod/web', '--', process.execPath, '-e', patchThenFail], { FAKE_URL: t.cluster.api.url, FAKE_TOKEN: t.cluster.api.token });
    expect(bad.result.code).toBe(1);
    expect(bad.json.status).toBe('failed');
    expect(bad.json.startedAt).not.toBeNull();
    expect((await show(bad.json.key)).events!.map((e) => `${e.from ?? '-'}>${e.to}`)).toEqual(['->pending', 'pending>running', 'running>failed']);

    const preview = await runCliJson<RollbackPreview>(['--db', t.store.spec, 'rollback', '--app', 'web', '--env', 'prod', '--dry-run'], { env: t.cluster.env });
    expect(preview.result.code, preview.result.stderr).toBe(0);
    expect(preview.json).toMatchObject({ replacing: { key: bad.json.key }, rollbackTo: { key: good.json.key, version: '2' } });
  });

  it('--timeout bounds the deploy command too: it is stopped and the deployment fails as timed out', async () => {
    const { result, json } = await deployJson(['--k8s', 'prod/web', '--wait', '--timeout', '1s', '--', process.execPath, '-e', 'setTimeout(() => {}, 30_000)']);
    expect(result.code, result.stderr).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.error).toMatch(/timed out/);
    expect(t.cluster.api.watchRequests()).toEqual([]);
  });

  it('deploy --k8s without --image or a command records the rollout already under way and follows it', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    t.cluster.api.setImage('prod', 'web', 'web', 'registry.example/web:2.0.0');
    const deploying = startCli(['--json', ...deployArgs('--k8s', 'prod/web', '--wait')], { env: t.cluster.env });
    await t.cluster.api.waitForWatches(1, 'prod');
    while (t.cluster.api.step('prod', 'web'));
    const { code, stdout, stderr } = await deploying.result;
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as DeploymentJson;
    expect(json.status).toBe('success');
    expect(json.target).toEqual({ kind: 'deployment', namespace: 'prod', name: 'web', container: 'web', context: 'fake', server: t.cluster.api.url, generation: 2 });
    expect(t.cluster.api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('deploy --k8s --wait --timeout ends timeout, exit 3, when the rollout does not finish in time', async () => {
    t.cluster.api.behave('prod', 'web', 'hold');
    const { result, json } = await deployJson(['--k8s', 'prod/web', '--image', 'web:2', '--wait', '--timeout', '1s']);
    expect(result.code).toBe(3);
    expect(json.status).toBe('timeout');
    expect(json.error).toMatch(/^no outcome within the --timeout; last seen: /);
  });

  it('SIGINT during deploy --k8s --wait leaves the deployment running and exits 3', async () => {
    t.cluster.api.behave('prod', 'web', 'manual');
    const deploying = startCli(deployArgs('--k8s', 'prod/web', '--image', 'web:2', '--wait'), { env: t.cluster.env });
    await t.cluster.api.waitForWatches(1, 'prod');
    deploying.kill('SIGINT');
    const { code, stderr } = await deploying.result;
    expect(code).toBe(3);
    expect(stderr).toMatch(/interrupted: dep_\w+ is left running; resume with 'shiplog track dep_\w+'/);
    const { deployments } = await snapshot(t.store);
    expect(deployments.map((d) => [d.status, d.lease_owner])).toEqual([['running', null]]);
  });

  it('bad input writes nothing: a malformed NAMESPACE/NAME, a missing Deployment, an ambiguous or unknown container', async () => {
    t.cluster.api.addDeployment('prod', 'api', { containers: [{ name: 'app', image: 'app:1' }, { name: 'proxy', image: 'proxy:1' }] });
    const cases: [string[], number, string][] = [
      [['--k8s', 'Prod/web', '--image', 'web:2'], 2, "shiplog: --k8s: 'Prod/web' has the namespace 'Prod', which is not a lower-case DNS label; write NAMESPACE/NAME for a Deployment or NAMESPACE/KIND/NAME, KIND one of deployment, statefulset, daemonset (or deploy, sts, ds), e.g. prod/sts/db"],
      [['--k8s', 'prod/nope', '--image', 'web:2'], 5, `shiplog: no Deployment prod/nope at ${t.cluster.api.url} (context 'fake'); check the namespace, kind and name`],
      [['--k8s', 'prod/api', '--image', 'app:2'], 2, 'shiplog: Deployment prod/api has 2 containers (app, proxy); say which with --container'],
      [['--k8s', 'prod/api', '--image', 'app:2', '--container', 'db'], 2, "shiplog: Deployment prod/api has no container 'db'; it has app, proxy"],
    ];
    for (const [args, code, line] of cases) {
      const result = await deploy(args);
      expect([result.code, result.stderr.trim()]).toEqual([code, line]);
    }
    expect(await snapshot(t.store)).toEqual({ deployments: [], events: [] });
  });

  it('a missing or malformed kubeconfig, or an unknown context, exits 5 naming it and writes nothing', async () => {
    const missing = join(t.store.dir, 'no-such-kubeconfig');
    const malformed = join(t.store.dir, 'malformed');
    writeFileSync(malformed, `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${t.cluster.api.token}\n  bad: [indent\n`);
    const results: [CliResult, string][] = [
      [await deploy(['--k8s', 'prod/web', '--image', 'web:2'], { KUBECONFIG: missing }), `shiplog: kubeconfig ${missing} does not exist or cannot be read`],
      [await deploy(['--k8s', 'prod/web', '--image', 'web:2', '--kubeconfig', malformed]), `shiplog: kubeconfig ${malformed} is malformed`],
      [await deploy(['--k8s', 'prod/web', '--image', 'web:2', '--context', 'staging']), `shiplog: kubeconfig ${t.cluster.kubeconfig} has no context 'staging'`],
      [await deploy(['--k8s', 'prod/web', '--image', 'web:2'], { KUBECONFIG: '', HOME: t.store.dir }), 'shiplog: no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create'],
    ];
    for (const [result, start] of results) {
      expect(result.code).toBe(5);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim().startsWith(start), result.stderr).toBe(true);
      expect(result.stderr).not.toContain(t.cluster.api.token);
    }
    expect(await snapshot(t.store)).toEqual({ deployments: [], events: [] });
  });

  it('an unreachable API server, 401 and 403 exit 5 naming the context and server; no token shows up anywhere, even with --verbose', async () => {
    const port = await closedPort();
    const unreachable = writeKubeconfig(t.store.dir, { server: `http://127.0.0.1:${port}`, token: t.cluster.api.token }, 'unreachable');
    const wrongToken = 'wrong-token-also-secret';
    const unauthorized = writeKubeconfig(t.store.dir, { server: t.cluster.api.url, token: wrongToken }, 'unauthorized');
    const outputs: string[] = [];
    const expectRefusal = async (args: string[], line: string) => {
      const result = await deploy(['--verbose', ...args]);
      outputs.push(result.stdout, result.stderr);
      expect(result.code).toBe(5);
      expect(result.stderr.split('\n')[0]).toBe(line);
    };
    const at = (server: string) => `shiplog: the Kubernetes API at ${server} (context 'fake')`;
    await expectRefusal(['--k8s', 'prod/web', '--image', 'web:2', '--kubeconfig', unreachable], `shiplog: cannot reach ${at(`http://127.0.0.1:${port}`).slice('shiplog: '.length)} while reading Deployment prod/web: ECONNREFUSED`);
    await expectRefusal(['--k8s', 'prod/web', '--image', 'web:2', '--kubeconfig', unauthorized], `${at(t.cluster.api.url)} refused the credentials (401 Unauthorized) while reading Deployment prod/web; renew them in the kubeconfig`);
    t.cluster.api.refuse(true);
    await expectRefusal(['--k8s', 'prod/web', '--image', 'web:2'], `${at(t.cluster.api.url)} does not allow reading Deployment prod/web (403 Forbidden); ask for that access there`);
    t.cluster.api.refuse(false);
    const deployed = await runCli(['--verbose', '--json', ...deployArgs('--k8s', 'prod/web', '--image', 'web:2', '--wait')], { env: t.cluster.env });
    expect(deployed.code).toBe(0);
    outputs.push(deployed.stdout, deployed.stderr, (await runCli(['--db', t.store.spec, '--json', 'show', '1'])).stdout);
    const stored = JSON.stringify(await snapshot(t.store));
    expect(JSON.parse(stored).deployments).toHaveLength(1);
    for (const text of [...outputs, stored]) {
      expect(text).not.toContain(t.cluster.api.token);
      expect(text).not.toContain(wrongToken);
    }
  });
});
