import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv } from './support/cli.js';

const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-lazy-'));

/** The module URLs a CLI run resolved; `onTerminal` runs it with stdout and stderr on a pseudo-terminal. */
function modulesLoaded(args: string[], onTerminal = false): string[] {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const argv = [process.execPath, '--import', tracer, binPath, ...args];
  const run = onTerminal
    ? spawnSync('script', ['-qec', `stty cols 120 rows 30; ${argv.map((arg) => `'${arg}'`).join(' ')}`, '/dev/null'], { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile, TERM: 'xterm' }), encoding: 'utf8' })
    : spawnSync(argv[0]!, argv.slice(1), { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  return readFileSync(traceFile, 'utf8').split('\n');
}

/**
 * The packages (by node_modules name) a CLI run loaded: those loaded from node_modules, and those bundled into the
 * dist/ chunks it loaded, found by the path comments esbuild leaves before each module it bundled.
 */
function packagesLoaded(args: string[], onTerminal = false): Set<string> {
  const urls = modulesLoaded(args, onTerminal);
  const chunks = [...new Set(urls.filter((url) => url.startsWith('file:') && url.includes('/dist/')))].map((url) => readFileSync(fileURLToPath(url), 'utf8'));
  const paths = [...urls, ...chunks.flatMap((source) => source.match(/^\/\/ node_modules\/.*$/gm) ?? [])];
  const names = paths.map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1]).filter((name): name is string => name !== undefined);
  return new Set(names);
}

describe('a command loads only what it uses', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const heavy = ['@kubernetes/client-node', 'axios', 'pg'];

  it('--version loads neither the store nor any provider', () => {
    const loaded = packagesLoaded(['--version']);
    for (const name of [...heavy, 'better-sqlite3']) expect(loaded).not.toContain(name);
  });

  it('history on SQLite loads the SQLite driver and no provider or PostgreSQL client', () => {
    const loaded = packagesLoaded(['--db', join(dir, 'a.db'), 'history']);
    expect(loaded).toContain('better-sqlite3');
    for (const name of heavy) expect(loaded).not.toContain(name);
  });

  it('config loads no store driver and no provider', () => {
    const loaded = packagesLoaded(['config']);
    for (const name of [...heavy, 'better-sqlite3']) expect(loaded).not.toContain(name);
  });

  it("stats and history load none of report's page code, which only report loads", () => {
    const pageCode = (args: string[]) => modulesLoaded(args).filter((url) => /\/dist\/(?:.*\/)?report[^/]*\.js$/.test(url));
    expect(pageCode(['--db', join(dir, 'c.db'), 'stats'])).toEqual([]);
    expect(pageCode(['--db', join(dir, 'c.db'), 'history'])).toEqual([]);
    expect(pageCode(['--db', join(dir, 'c.db'), 'report', '--html', join(dir, 'c.html')])).toHaveLength(1);
  });

  // Port 9 (discard) refuses the connection: the wait shows its progress until the one-second limit.
  const waitingDeploy = (file: string) => ['--db', join(dir, file), 'deploy', '--app', 'web', '--env', 'dev', '--status-url', 'http://127.0.0.1:9/x', '--wait', '--timeout', '1s'];

  it('a deploy that waits with stderr not a terminal never loads the spinner (ora)', () => {
    expect(packagesLoaded(waitingDeploy('spinner-piped.db'))).not.toContain('ora');
  });

  it('a deploy that waits on a terminal shows its progress with ora', () => {
    expect(packagesLoaded(waitingDeploy('spinner-terminal.db'), true)).toContain('ora');
  });

  it('a command deploy loads no provider client', () => {
    const loaded = packagesLoaded(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', '0']);
    for (const name of heavy) expect(loaded).not.toContain(name);
  });

  it('the CI detection library loads in the commands that record a deployment, without execa, and in no query command', () => {
    for (const args of [['deploy', '--app', 'web', '--env', 'dev'], ['rollback', '--app', 'web', '--env', 'dev', '--dry-run']]) {
      const loaded = packagesLoaded(['--db', join(dir, 'c.db'), ...args]);
      expect(loaded, args[0]).toContain('env-ci');
      // env-ci would run git through execa; the build gives it a stand-in (scripts/build.mjs).
      expect(loaded, args[0]).not.toContain('execa');
    }
    for (const args of [['history'], ['status'], ['show', '1'], ['stats'], ['finish', '1', '--status', 'success'], ['poll', '--all'], ['track', '--all']]) {
      expect(packagesLoaded(['--db', join(dir, 'c.db'), ...args]), args[0]).not.toContain('env-ci');
    }
  });
});
