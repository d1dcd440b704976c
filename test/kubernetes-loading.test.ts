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
 * Whether a CLI run loaded the Kubernetes client. The client is bundled into a chunk of dist/ (see
 * scripts/build.mjs), so it is found by the source comments esbuild leaves in the chunk it went into.
 */
function loadsKubernetesClient(args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, ['--import', tracer, binPath, ...args], { env: cliEnv({ ...env, SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  const files = readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:') && url.includes('/dist/'))
    .map((url) => fileURLToPath(url));
  return files.some((file) => readFileSync(file, 'utf8').includes('node_modules/@kubernetes/client-node/dist/'));
}

describe('the Kubernetes client loads only where it is used', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--version, history and a record-only deploy do not load it', () => {
    expect(loadsKubernetesClient(['--version'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'a.db'), 'history'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'a.db'), 'deploy', '--app', 'web', '--env', 'dev'])).toBe(false);
  });

  it('track of deployments that have all ended does not load it, deploy --k8s does', () => {
    expect(loadsKubernetesClient(['--db', join(dir, 'b.db'), 'track', '--all'])).toBe(false);
    expect(loadsKubernetesClient(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--k8s', 'prod/web'], { KUBECONFIG: join(dir, 'none') })).toBe(true);
  });
});
