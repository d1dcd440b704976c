import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv } from './support/cli.js';
import { insertHistory } from './support/history-rows.js';

const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
const builtinsPreload = fileURLToPath(new URL('./support/builtins-loaded.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-lazy-'));

/** The packages bundled into dist/vendor/ files of their own (scripts/build.mjs), by file name. */
const vendorPackages: Record<string, string> = { pg: 'pg', 'kubernetes-client': '@kubernetes/client-node', ora: 'ora' };

/**
 * What a CLI run loaded: packages by node_modules name or vendor file, built-ins as node:NAME, and dist/ files.
 * `onTerminal` runs it with stdout and stderr on a pseudo-terminal.
 */
function loaded(args: string[], onTerminal = false): { packages: Set<string>; builtins: Set<string>; distFiles: Set<string> } {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const argv = [process.execPath, '--import', tracer, binPath, ...args];
  const run = onTerminal
    ? spawnSync('script', ['-qec', `stty cols 120 rows 30; ${argv.map((arg) => `'${arg}'`).join(' ')}`, '/dev/null'], { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile, TERM: 'xterm' }), encoding: 'utf8' })
    : spawnSync(argv[0]!, argv.slice(1), { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  const lines = readFileSync(traceFile, 'utf8').split('\n');
  const packages = new Set<string>();
  const distFiles = new Set<string>();
  for (const line of lines) {
    const installed = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(line)?.[1];
    if (installed) packages.add(installed);
    const built = /\/dist\/(.+)$/.exec(line)?.[1];
    if (built) distFiles.add(built);
    const vendor = /^vendor\/(.+)\.cjs$/.exec(built ?? '')?.[1];
    if (vendor) packages.add(vendorPackages[vendor] ?? vendor);
  }
  return { packages, distFiles, builtins: new Set(lines.filter((line) => line.startsWith('node:'))) };
}

describe('a command loads only what it uses', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const heavy = ['@kubernetes/client-node', 'axios', 'pg'];

  it('--version reads the version alone: no CLI bundle, store or provider', () => {
    const { packages, distFiles } = loaded(['--version']);
    expect([...distFiles]).toEqual(['version.cjs']);
    expect([...packages]).toEqual([]);
  });

  it('history on SQLite loads the query bundle and the SQLite driver, and no provider, PostgreSQL client or child_process', () => {
    const db = join(dir, 'a.db');
    expect(spawnSync(process.execPath, [binPath, '--db', db, 'deploy', '--app', 'web', '--env', 'dev'], { env: cliEnv() }).status).toBe(0);
    const { packages, builtins, distFiles } = loaded(['--db', db, 'history']);
    expect(distFiles).toContain('query.cjs');
    expect(distFiles).not.toContain('cli.cjs');
    expect(packages).toContain('better-sqlite3');
    for (const name of heavy) expect(packages).not.toContain(name);
    expect(builtins).not.toContain('node:child_process');
  });

  it('a command deploy loads the whole CLI and no provider client', () => {
    const { packages, distFiles } = loaded(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', '0']);
    expect(distFiles).toContain('cli.cjs');
    expect(distFiles).not.toContain('query.cjs');
    for (const name of heavy) expect(packages).not.toContain(name);
  });

  it('config loads no store driver and no provider', () => {
    const { packages } = loaded(['config']);
    for (const name of [...heavy, 'better-sqlite3']) expect(packages).not.toContain(name);
  });

  // Port 9 (discard) refuses the connection: the wait shows its progress until the one-second limit.
  const waitingDeploy = (file: string) => ['--db', join(dir, file), 'deploy', '--app', 'web', '--env', 'dev', '--status-url', 'http://127.0.0.1:9/x', '--wait', '--timeout', '1s'];

  it('a deploy that waits with stderr not a terminal never loads the spinner (ora)', () => {
    expect(loaded(waitingDeploy('spinner-piped.db')).packages).not.toContain('ora');
  });

  it('a deploy that waits on a terminal shows its progress with ora', () => {
    expect(loaded(waitingDeploy('spinner-terminal.db'), true).packages).toContain('ora');
  });

  it('recording a deployment reads the CI details from the environment and runs no git (env-ci would, outside CI)', () => {
    const fakeBin = join(dir, 'fake-bin');
    const ran = join(dir, 'git-ran');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'git'), `#!/bin/sh\necho "$@" >> '${ran}'\n`, { mode: 0o755 });
    for (const args of [['deploy', '--app', 'web', '--env', 'ci'], ['rollback', '--app', 'web', '--env', 'ci', '--dry-run']]) {
      const run = spawnSync(process.execPath, [binPath, '--db', join(dir, 'ci.db'), ...args], { env: cliEnv({ PATH: `${fakeBin}:${process.env.PATH ?? ''}` }), encoding: 'utf8' });
      expect(run.status, run.stderr).not.toBeNull();
    }
    expect(existsSync(ran) ? readFileSync(ran, 'utf8') : '').toBe('');
  });

  it('history and an error, with stdout and stderr piped, build no Node stream: no net, tty or stream module loads', async () => {
    const db = join(dir, 'piped.db');
    await insertHistory(db, Array.from({ length: 21 }, (_, i) => ({ status: 'success' as const, createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)) })));
    for (const [args, exitCode, stderr] of [
      [['history'], 0, /^20 of 21 shown/],
      [['--json', 'history', '--limit', '2'], 0, /^2 of 21 shown/],
      [['show', 'dep_NOPE'], 2, /^shiplog: no deployment dep_NOPE/],
    ] as const) {
      const builtinsFile = join(dir, `builtins-${Math.random().toString(36).slice(2)}`);
      const run = spawnSync(process.execPath, ['--require', builtinsPreload, binPath, '--db', db, ...args], { env: cliEnv({ SHIPLOG_BUILTINS_FILE: builtinsFile }), encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(exitCode);
      expect(run.stderr).toMatch(stderr);
      const builtins = readFileSync(builtinsFile, 'utf8').split('\n');
      expect(builtins, args.join(' ')).toContain('fs');
      // internal/streams/writable is the Writable under every Node stream (a bare node loads only internal/streams/utils).
      expect(builtins.filter((name) => ['net', 'tty', 'stream', 'internal/streams/writable'].includes(name)), args.join(' ')).toEqual([]);
    }
  });

  it('--version written to a pipe builds no Node stream either', () => {
    const builtinsFile = join(dir, 'builtins-version');
    const run = spawnSync(process.execPath, ['--require', builtinsPreload, binPath, '--version'], { env: cliEnv({ SHIPLOG_BUILTINS_FILE: builtinsFile }), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const builtins = readFileSync(builtinsFile, 'utf8').split('\n');
    expect(builtins.filter((name) => ['net', 'tty', 'stream', 'internal/streams/writable'].includes(name))).toEqual([]);
  });

  it('history on PostgreSQL loads the PostgreSQL client from its vendor file', () => {
    const { packages, distFiles } = loaded(['--db', 'postgres://nobody@127.0.0.1:1/none', 'history']);
    expect(packages).toContain('pg');
    // The connection is started before the bundle loads, so the server starts its backend meanwhile.
    const order = [...distFiles];
    expect(order.indexOf('postgres-pool.cjs')).toBeGreaterThan(-1);
    expect(order.indexOf('postgres-pool.cjs')).toBeLessThan(order.indexOf('query.cjs'));
    for (const name of ['@kubernetes/client-node', 'axios', 'better-sqlite3']) expect(packages).not.toContain(name);
  });
});
