import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv } from './support/cli.js';

const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-k8s-loading-'));

/**
 * The source of the dist/ chunks a CLI run loaded. Bundled packages (the Kubernetes client, see
 * scripts/build.mjs) are found in it by the path comments esbuild leaves before each module it bundled.
 */
function loadedSource(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, ['--import', tracer, binPath, ...args], { env: cliEnv({ ...env, SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  const files = readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:') && url.includes('/dist/'))
    .map((url) => fileURLToPath(url));
  return [...new Set(files)].map((file) => readFileSync(file, 'utf8')).join('\n');
}

function loadsKubernetesClient(args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  return loadedSource(args, env).includes('node_modules/@kubernetes/client-node/dist/');
}

describe('the Kubernetes client loads only where it is used', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--version, history and a record-only deploy do not load it', () => {
    expect(loadsKubernetesClient(['--version'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'a.db'), 'history'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'a.db'), 'deploy', '--app', 'web', '--env', 'dev'])).toBe(false);
  });

  it('deploy --k8s loads only the parts of the client it uses, so track stays within its memory goal', () => {
    // Anything that imports the client's whole namespace (`import('@kubernetes/client-node')`) defeats the
    // tree-shaking and puts every API group, exec and port-forward into the chunk track loads: ~14 MB of
    // source instead of ~3, and some 30 MB more memory.
    const source = loadedSource(['--db', join(dir, 'c.db'), 'deploy', '--app', 'web', '--env', 'dev', '--k8s', 'prod/web'], { KUBECONFIG: join(dir, 'none') });
    expect(source).toContain('node_modules/@kubernetes/client-node/dist/watch.js');
    for (const unused of ['client-node/dist/portforward.js', 'client-node/dist/exec.js', 'client-node/dist/gen/apis/CoreV1Api.js']) {
      expect(source.includes(unused), `${unused} is loaded`).toBe(false);
    }
    expect(source.length).toBeLessThan(6_000_000);
  });

  it('track of deployments that have all ended does not load it, deploy --k8s does', () => {
    expect(loadsKubernetesClient(['--db', join(dir, 'b.db'), 'track', '--all'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--k8s', 'prod/web'], { KUBECONFIG: join(dir, 'none') })).toBe(true);
  });
});
