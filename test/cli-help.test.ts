import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';

// A home of its own for the default store, so no case here can touch a real one.
const home = mkdtempSync(join(tmpdir(), 'shiplog-help-'));
const env = { XDG_DATA_HOME: home };
const shiplog = (...args: string[]) => runCli(args, { env });

/** One line on stderr, nothing on stdout, exit 2. */
function expectUsageLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('help that helps', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('shiplog alone prints the list of commands on stdout and exits 0, as kubectl does', async () => {
    const result = await shiplog();

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: shiplog \[options\] \[command\]/);
    expect(result.stdout).toContain('deploy');
    expect(result.stdout).toContain('completion');
    expect(result.stdout).not.toContain('__complete');
    expect(result.stderr).toBe('');
  });

  it('help COMMAND prints that command\'s help and exits 0', async () => {
    const result = await shiplog('help', 'history');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: shiplog history \[options\]/);
  });

  it('help with a name that is no command is an error, with the nearest command suggested', async () => {
    expectUsageLine(await shiplog('help', 'nosuch'), /^shiplog: unknown command 'nosuch'; see 'shiplog --help'\n$/);
    expectUsageLine(await shiplog('help', 'deplyo'), /^shiplog: unknown command 'deplyo' \(Did you mean deploy\?\); see 'shiplog --help'\n$/);
  });

  it('a mistyped command keeps commander\'s suggestion on the error\'s one line', async () => {
    expectUsageLine(await shiplog('histroy'), /^shiplog: unknown command 'histroy' \(Did you mean history\?\); see 'shiplog --help'\n$/);
  });

  it('a mistyped option keeps its suggestion and points at the help of its command', async () => {
    expectUsageLine(await shiplog('history', '--stauts', 'failed'), /^shiplog: unknown option '--stauts' \(Did you mean --status\?\); see 'shiplog history --help'\n$/);
  });

  it('a command line missing a part points at the help of its command', async () => {
    expectUsageLine(await shiplog('show'), /^shiplog: missing required argument 'id'; see 'shiplog show --help'\n$/);
    expectUsageLine(await shiplog('history', '--limit'), /^shiplog: option '--limit <n>' argument missing; see 'shiplog history --help'\n$/);
    expectUsageLine(await shiplog('deploy', '--env', 'prod'), /^shiplog: --app is required; see 'shiplog deploy --help'\n$/);
  });

  it.each([
    ['an unknown command', ['deplyo'], 'unknown_command'],
    ['an unknown option', ['history', '--bogus'], 'unknown_option'],
    ['a missing argument', ['show'], 'missing_argument'],
    ['an option without its value', ['history', '--limit'], 'missing_option_value'],
    ['a missing mandatory option', ['import', 'old.db'], 'missing_option'],
    ['too many arguments', ['show', 'a', 'b'], 'excess_arguments'],
    ['a value outside the choices', ['history', '--status', 'done'], 'bad_value'],
    ['a missing option shiplog checks itself', ['deploy', '--env', 'prod'], 'missing_option'],
    ['a bad duration', ['history', '--since', 'soon'], 'bad_duration'],
  ])('%s has a snake_case JSON error code like every other (%s)', async (_name, args, code) => {
    const result = await shiplog('--json', ...args);

    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe(code);
    expect(error.code).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
  });

  it('--header\'s help shows no empty default', async () => {
    const result = await shiplog('deploy', '--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--header <header>');
    // commander wraps the help text, so the default may be split across lines.
    expect(result.stdout).not.toMatch(/\(default:\s+\[\]\)/);
  });
});
