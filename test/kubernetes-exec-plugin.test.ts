import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeKubeconfig } from '../fixtures/kube-config.js';
import { runCli, runCliJson, startCli, type DeploymentJson } from './support/cli.js';
import { recordRollouts, storeWithCluster, waitUntil } from './support/kubernetes.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

/** A secret a plugin says on stderr, as a plugin failing to refresh its own credentials might. */
const pluginSecret = 'hunter2-client-secret-value';

/** Whether a process is still there (a zombie counts as gone: it no longer runs). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
}

describeEachStore('the kubeconfig exec credential plugin on %s', (kind) => {
  const t = storeWithCluster(kind);

  /** Writes an executable shell script into the test's directory, and a kubeconfig whose user runs it. */
  const withPlugin = (name: string, body: string) => {
    const script = join(t.store.dir, name);
    writeFileSync(script, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return { script, kubeconfig: writeKubeconfig(t.store.dir, { server: t.cluster.api.url, exec: { command: script } }, `${name}.kubeconfig`) };
  };
  /** A plugin that notes its pid and that of the sleep it waits on, says a secret on stderr, and never answers. */
  const hangingPlugin = () =>
    withPlugin('hanging-plugin', [`echo "refreshing the session with client_secret=${pluginSecret}" >&2`, 'sleep 600 &', 'echo "$$ $!" > "$0.tmp" && mv "$0.tmp" "$0.pids"', 'wait'].join('\n'));
  /** Starts the CLI with `args` against a kubeconfig whose plugin hangs; resolves once the plugin runs, with its pids. */
  const startWithHangingPlugin = async (args: string[], pluginTimeoutMs: number) => {
    const { script, kubeconfig } = hangingPlugin();
    const cli = startCli(['--db', t.store.spec, ...args], { env: { ...t.cluster.env, KUBECONFIG: kubeconfig, SHIPLOG_KUBE_EXEC_TIMEOUT_MS: String(pluginTimeoutMs) }, timeoutMs: 30_000 });
    await waitUntil('the plugin has started', () => existsSync(`${script}.pids`));
    return { cli, script, pids: readFileSync(`${script}.pids`, 'utf8').trim().split(' ').map(Number) };
  };
  const deployArgs = ['deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--image', 'web:2'];
  /** A killed process takes a moment to be torn down; one left running fails the test after the usual wait. */
  const pluginGone = (pids: number[]) => waitUntil(`the plugin's processes ${pids.join(', ')} are gone`, () => !pids.some(running));
  const webRollout = async () => (await recordRollouts(t.store.spec, t.cluster, [{ app: 'web', env: 'prod', namespace: 'prod', name: 'web', image: 'registry.example/web:2.0.0' }]))[0]!;

  it('the token an exec plugin prints is used, fetched once for every call while it has no expiry, and never stored or printed', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: t.cluster.api.token } };
    const { script, kubeconfig } = withPlugin('token-plugin', `echo ran >> "$0.runs"\necho '${JSON.stringify(credential)}'`);
    const { result, json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, ...deployArgs, '--wait'], {
      env: { ...t.cluster.env, KUBECONFIG: kubeconfig },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.status).toBe('success');
    // A read, a patch, a list and a watch, with one run of the plugin.
    expect(t.cluster.api.requests.length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(`${script}.runs`, 'utf8').trim().split('\n')).toHaveLength(1);
    for (const text of [result.stdout, result.stderr, JSON.stringify(await snapshot(t.store))]) expect(text).not.toContain(t.cluster.api.token);
  });

  it('an exec command written as a relative path is run from the directory of its kubeconfig, as kubectl runs it', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: t.cluster.api.token } };
    withPlugin('relative-plugin', `echo '${JSON.stringify(credential)}'`);
    const kubeconfig = writeKubeconfig(t.store.dir, { server: t.cluster.api.url, exec: { command: './relative-plugin' } }, 'relative.kubeconfig');
    const { code, stderr } = await runCli(['--db', t.store.spec, ...deployArgs], { env: { ...t.cluster.env, KUBECONFIG: kubeconfig }, cwd: tmpdir() });
    expect(code, stderr).toBe(0);
    expect(t.cluster.api.get('prod', 'web')!.spec.template.spec.containers[0]!.image).toBe('web:2');
  });

  it('a plugin that hangs is killed at its bound: track exits 5 naming it and its last stderr line, without the secret, and lets go of the lease', async () => {
    const [, key] = await webRollout();
    const { cli: track, script, pids } = await startWithHangingPlugin(['track', key], 1_000);
    const { code, stdout, stderr } = await track.result;
    expect(code, stderr).toBe(5);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `shiplog: the kubeconfig exec plugin '${script}' (user 'fake-user', context 'fake') gave no credential within 1s and was killed; its last stderr line: refreshing the session with client_secret=***`,
    ]);
    expect(stderr).not.toContain(pluginSecret);
    await pluginGone(pids);
    const { deployments, events } = await snapshot(t.store);
    expect(deployments.map((d) => [d.status, d.lease_owner])).toEqual([['running', null]]);
    expect(JSON.stringify(events)).not.toContain(pluginSecret);
  });

  it('the first SIGTERM ends track at once while a plugin hangs, kills the plugin, and lets go of the lease', async () => {
    const [id, key] = await webRollout();
    const { cli: track, pids } = await startWithHangingPlugin(['track', key], 600_000);
    track.kill('SIGTERM');
    const { code, stderr } = await track.result;
    expect(code, stderr).toBe(3);
    expect(stderr).toContain(`interrupted: 1 deployment is left running; resume with 'shiplog track ${key}'`);
    expect(stderr).not.toContain(pluginSecret);
    await pluginGone(pids);
    expect((await snapshot(t.store)).deployments.find((d) => Number(d.id) === id)).toMatchObject({ status: 'running', lease_owner: null });
  });

  it('--timeout bounds the wait for a plugin that hangs: the deployment becomes timeout and the plugin is killed', async () => {
    const [, key] = await webRollout();
    const { cli: track, pids } = await startWithHangingPlugin(['track', key, '--timeout', '1s'], 600_000);
    const { code, stderr } = await track.result;
    expect(code, stderr).toBe(3);
    await pluginGone(pids);
    expect((await snapshot(t.store)).deployments.map((d) => [d.status, d.lease_owner])).toEqual([['timeout', null]]);
  });

  it('deploy --k8s with a plugin that hangs exits 5 naming the plugin and records nothing', async () => {
    const { cli: deploying, script, pids } = await startWithHangingPlugin(deployArgs, 1_000);
    const { code, stderr } = await deploying.result;
    expect(code, stderr).toBe(5);
    expect(stderr.trim().startsWith(`shiplog: the kubeconfig exec plugin '${script}' (user 'fake-user', context 'fake') gave no credential within 1s and was killed; `), stderr).toBe(true);
    await pluginGone(pids);
    expect(await snapshot(t.store)).toEqual({ deployments: [], events: [] });
  });

  it('doctor reports a plugin that hangs after its own wait for the API server, and kills it instead of waiting out its bound', async () => {
    await webRollout();
    const { cli: doctor, script, pids } = await startWithHangingPlugin(['doctor'], 600_000);
    const { code, signal, stdout, stderr } = await doctor.result;
    expect([code, signal], stderr).toEqual([5, null]);
    expect(stdout).toMatch(/fail\s+kubernetes api/);
    expect(stdout).toContain(script);
    expect(stdout + stderr).not.toContain(pluginSecret);
    await pluginGone(pids);
  });

  it('SIGTERM while deploy --k8s waits for a plugin that hangs ends deploy, as the signal would, and kills the plugin', async () => {
    const { cli: deploying, pids } = await startWithHangingPlugin(deployArgs, 600_000);
    deploying.kill('SIGTERM');
    const { code, signal, stderr } = await deploying.result;
    expect([code, signal], stderr).not.toEqual([null, 'SIGKILL']);
    await pluginGone(pids);
    expect(await snapshot(t.store)).toEqual({ deployments: [], events: [] });
  });
});
