import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv } from './support/cli.js';

const tracer = fileURLToPath(new URL('./support/trace-imports.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-lazy-'));

/** The module URLs a CLI run resolved. */
function modulesLoaded(args: string[]): string[] {
  const traceFile = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, ['--import', tracer, binPath, ...args], { env: cliEnv({ SHIPLOG_TRACE_FILE: traceFile }), encoding: 'utf8' });
  expect(run.status, run.stderr).not.toBeNull();
  return readFileSync(traceFile, 'utf8').split('\n');
}

/** The packages (by node_modules name) a CLI run loaded. */
function packagesLoaded(args: string[]): Set<string> {
  const urls = modulesLoaded(args);
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

  it("stats and history load none of report's page code, which only report loads", () => {
    const pageCode = (args: string[]) => modulesLoaded(args).filter((url) => /\/dist\/(?:.*\/)?report[^/]*\.js$/.test(url));
    expect(pageCode(['--db', join(dir, 'c.db'), 'stats'])).toEqual([]);
    expect(pageCode(['--db', join(dir, 'c.db'), 'history'])).toEqual([]);
    expect(pageCode(['--db', join(dir, 'c.db'), 'report', '--html', join(dir, 'c.html')])).toHaveLength(1);
  });

  it('a command deploy loads no provider client', () => {
    const loaded = packagesLoaded(['--db', join(dir, 'b.db'), 'deploy', '--app', 'web', '--env', 'dev', '--', process.execPath, '-e', '0']);
    for (const name of heavy) expect(loaded).not.toContain(name);
  });
});
