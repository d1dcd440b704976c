import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv } from './support/cli.js';

const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-lazy-'));

/** The packages (by node_modules name) a CLI run loaded; `onTerminal` runs it with stdout and stderr on a pseudo-terminal. */
function packagesLoaded(args: string[], onTerminal = false): Set<string> {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const argv = [process.execPath, '--import', tracer, binPath, ...args];
  const run = onTerminal
    ? spawnSync('script', ['-qec', `stty cols 120 rows 30; ${argv.map((arg) => `'${arg}'`).join(' ')}`, '/dev/null'], { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile, TERM: 'xterm' }), encoding: 'utf8' })
    : spawnSync(argv[0]!, argv.slice(1), { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  const urls = readFileSync(traceFile, 'utf8').split('\n');
  const names = urls.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]).filter((name): name is string => name !== undefined);
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

  // Port 9 (discard) refuses the connection: the wait shows its progress until the one-second limit.
  const waitingDeploy = (file: string) => ['--db', join(dir, file), 'deploy', '--app', 'web', '--env', 'dev', '--status-url', 'http://127.0.0.1:9/x', '--wait', '--timeout', '1s'];

  it('a deploy that waits with stderr not a terminal never loads the spinner (ora)', () => {
    expect(packagesLoaded(waitingDeploy('c.db'))).not.toContain('ora');
  });

  it('a deploy that waits on a terminal shows its progress with ora', () => {
    expect(packagesLoaded(waitingDeploy('d.db'), true)).toContain('ora');
  });

  it('a command deploy loads no provider client', () => {
    const loaded = packagesLoaded(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', '0']);
    for (const name of heavy) expect(loaded).not.toContain(name);
  });
});
