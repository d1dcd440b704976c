import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleFor, heapFlagsFor, queryCommandModules } from '../src/config/bundle-choice.js';
import { runCli } from './support/cli.js';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
const commandModules = readdirSync(fileURLToPath(new URL('../src/commands/', import.meta.url)))
  .map((file) => file.replace(/\.ts$/, ''))
  .filter((name) => name !== 'context');

/** The src/ files a bundle was built from, as its source map names them. */
function bundledSources(bundle: string): string[] {
  const map = JSON.parse(readFileSync(`${distDir}${bundle}.map`, 'utf8')) as { sources: string[] };
  return map.sources.map((source) => source.replace(/^(\.\.\/)+/, ''));
}

describe('which bundle a command line runs in', () => {
  it.each([
    [['history'], 'query'],
    [['--db', 'x.db', '--json', 'status', '--app', 'web'], 'query'],
    [['show', 'dep_1'], 'query'],
    [['diff', '1', '2'], 'query'],
    [['stats', '--since', '7d'], 'query'],
    [['__complete', 'apps'], 'query'],
    // The value of --db is no command; `help history` is the help command.
    [['--db', 'history', 'deploy', '--app', 'web'], 'cli'],
    [['help', 'history'], 'cli'],
    [['deploy', '--app', 'history'], 'cli'],
    [['--', 'history'], 'cli'],
    [[], 'cli'],
    [['--help'], 'cli'],
    [['hstory'], 'cli'],
  ])('%j runs in the %s bundle', (argv, bundle) => {
    expect(bundleFor(argv)).toBe(bundle);
  });

  it.each([
    [['import', '--from', 'klepaas', 'old.db'], true],
    [['--db', 'x.db', '--json', 'cleanup', '--duplicates'], true],
    [['track', '--all', '--follow'], true],
    [['history', '--all'], false],
    [['stats'], false],
    [['deploy', '--app', 'import'], false],
    [['--db', 'cleanup', 'status'], false],
    [['deploy', '--k8s', 'prod/web', '--wait'], false],
  ])('%j keeps a small heap: %s', (argv, small) => {
    expect(heapFlagsFor(argv) !== undefined).toBe(small);
  });

  it("a bulk command's heap settings are flags this Node's V8 knows (it names an unknown one on stderr and runs on)", () => {
    const flags = heapFlagsFor(['import'])!;
    const result = spawnSync(process.execPath, ['-e', `require('node:v8').setFlagsFromString(${JSON.stringify(flags)})`], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the query bundle holds the query commands and none of the others, nor any provider', () => {
    const sources = bundledSources('query.cjs');
    for (const name of commandModules) {
      expect(sources.includes(`src/commands/${name}.ts`), name).toBe(Object.values(queryCommandModules).includes(name));
    }
    expect(sources.filter((source) => source.startsWith('src/providers/'))).toEqual([]);
  });

  it('the whole CLI holds every command', () => {
    const sources = bundledSources('cli.cjs');
    for (const name of commandModules) expect(sources).toContain(`src/commands/${name}.ts`);
  });

  it('every command the CLI lists shows its help from the bundle it runs in', async () => {
    const help = await runCli(['help']);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
    expect(listed).toEqual(expect.arrayContaining(['history', 'show', 'status', 'diff', 'stats', 'deploy', 'rollback']));
    for (const name of listed) {
      const result = await runCli([name, '--help']);
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`Usage: shiplog ${name}`);
    }
  });
});
