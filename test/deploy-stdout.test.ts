import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { fakeAccessKey, fakeSecretKey, ncpEnv, quickPolling } from '../fixtures/ncp-cli-env.js';
import { NcpSourceDeployFake } from '../fixtures/ncp-sourcedeploy-fake.js';
import { binPath, cliEnv, runCli, runCliJson, type CliResult, type DeploymentJson } from './support/cli.js';
import { storeWithCluster } from './support/kubernetes.js';
import { describeEachStore } from './support/stores.js';
import { serveDuringSuite } from './support/serve-during.js';

const keyLine = /^key=dep_[0-9A-Z]{26}$/m;

describeEachStore('the stdout of deploy and rollback, captured by a shell script, on %s', (kind) => {
  const t = storeWithCluster(kind);
  const ncp = new NcpSourceDeployFake({ accessKey: fakeAccessKey, secretKey: fakeSecretKey });
  const statusUrl = new HttpStatusFake();
  serveDuringSuite(ncp, statusUrl);

  /** Runs a bash script in which `shiplog` is the built CLI on this test's store, as a CI step would. */
  function script(lines: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const text = ['set -euo pipefail', `shiplog() { '${process.execPath}' '${binPath}' "$@"; }`, ...lines].join('\n');
    const child = spawn('bash', ['-c', text], { env: cliEnv({ ...t.cluster.env, ...ncpEnv(ncp), SHIPLOG_DB: t.store.spec, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  }
  const cli = (args: string[]) => runCli(['--db', t.store.spec, ...args], { env: { ...t.cluster.env, ...quickPolling } });
  const path = () => `/deploys/${Math.random().toString(36).slice(2, 10)}`;

  it('KEY=$(shiplog deploy --k8s …) captures the key alone, and track "$KEY" follows it', async () => {
    const result = await script([
      'KEY=$(shiplog deploy --app web --env prod --k8s prod/web --image registry.example/web:2.0.0)',
      'echo "key=$KEY"',
      'shiplog track "$KEY"',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const key = keyLine.exec(result.stdout)![0].slice('key='.length);
    expect(result.stdout).toMatch(new RegExp(`^key=${key}\\n${key} web registry\\.example/web:2\\.0\\.0 -> prod: success in \\S+\\n$`));
    expect(result.stderr).toContain(`${key} web registry.example/web:2.0.0 -> prod: running; follow it with 'shiplog track ${key}'`);
  });

  it('KEY=$(shiplog rollback …) of a Kubernetes deployment captures the key alone, and track "$KEY" follows it', async () => {
    for (const image of ['web:1', 'web:2']) expect((await cli(['deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--image', image, '--wait'])).code).toBe(0);
    const result = await script(['KEY=$(shiplog rollback --app web --env prod)', 'echo "key=$KEY"', 'shiplog track "$KEY"']);
    expect(result.code, result.stderr).toBe(0);
    const key = keyLine.exec(result.stdout)![0].slice('key='.length);
    const { json } = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'show', key]);
    expect(json).toMatchObject({ isRollback: true, image: 'web:1', status: 'success' });
  });

  it('KEY=$(shiplog deploy --ncp-* …) captures the key alone, and poll "$KEY" follows it', async () => {
    ncp.scriptScenario('s-capture', [{ status: 'inprogress' }, { status: 'success' }]);
    const result = await script([
      'KEY=$(shiplog deploy --app web --env prod --version 1.4.0 --ncp-project 10 --ncp-stage 20 --ncp-scenario s-capture)',
      'echo "key=$KEY"',
      'shiplog poll --interval 100ms "$KEY"',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const key = keyLine.exec(result.stdout)![0].slice('key='.length);
    expect(result.stdout).toMatch(new RegExp(`^key=${key}\\n${key} web 1\\.4\\.0 -> prod: success in \\S+\\n$`));
  });

  it('KEY=$(shiplog deploy --status-url …) captures the key alone, and poll "$KEY" follows it', async () => {
    const at = path();
    statusUrl.script(at, [{ status: 'rolling' }, { status: 'done' }]);
    const result = await script([`KEY=$(shiplog deploy --app api --env prod --version 3.1.0 --status-url '${statusUrl.url(at)}')`, 'echo "key=$KEY"', 'shiplog poll --interval 100ms "$KEY"']);
    expect(result.code, result.stderr).toBe(0);
    const key = keyLine.exec(result.stdout)![0].slice('key='.length);
    expect(result.stdout).toMatch(new RegExp(`^key=${key}\\n${key} api 3\\.1\\.0 -> prod: success in \\S+\\n$`));
  });

  it("KEY=$(shiplog deploy -- COMMAND) captures the key alone: the command's output goes to stderr", async () => {
    const result = await script([`KEY=$(shiplog deploy --app web --env dev -- '${process.execPath}' -e "console.log('helm says hello')")`, 'echo "key=$KEY"', 'shiplog show "$KEY" >/dev/null']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^key=dep_[0-9A-Z]{26}\n$/);
    expect(result.stderr).toContain('helm says hello');
  });

  it('with --wait stdout is the outcome line alone, and with --json the record', async () => {
    const waited = await cli(['deploy', '--app', 'web', '--env', 'dev', '--version', '1.0.0', '--wait', '--', process.execPath, '-e', "console.log('noise')"]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/^dep_[0-9A-Z]{26} web 1\.0\.0 -> dev: success in \S+\n$/);
    expect(waited.stderr).toContain('noise');

    const at = path();
    statusUrl.script(at, [{ status: 'done' }]);
    const polled = await cli(['deploy', '--app', 'api', '--env', 'prod', '--version', '3.1.0', '--status-url', statusUrl.url(at), '--wait', '--interval', '100ms']);
    expect(polled.code, polled.stderr).toBe(0);
    expect(polled.stdout).toMatch(/^dep_[0-9A-Z]{26} api 3\.1\.0 -> prod: success in \S+\n$/);

    const recorded = await runCliJson<DeploymentJson>(['--db', t.store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--k8s', 'prod/web', '--image', 'web:3'], { env: t.cluster.env });
    expect(recorded.result.code, recorded.result.stderr).toBe(0);
    expect(recorded.json).toMatchObject({ app: 'web', provider: 'kubernetes', status: 'running', image: 'web:3' });
    expect(recorded.result.stderr).not.toContain('follow it with');
  });
});
