import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickPolling } from '../fixtures/ncp-cli-env.js';
import { HttpStatusFake } from '../fixtures/http-status-server.js';
import { displayWidth } from '../src/terminal/width.js';
import { runCli, runCliJson } from './support/cli.js';
import { TmuxTerminal } from './support/tmux.js';
import { hasTool } from './support/tools.js';

/** What a CI job from another team could leave in a shared store: a colour, a window title, a clear screen. */
const hostile = 'deploy \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 done\x1b[2J';
const hostileShown = 'deploy \\u001b[31mRED\\u001b[0m \\u001b]0;pwned\\u0007 done\\u001b[2J';
const longMessage = `roll out the new checkout flow ${'with a rather long explanation '.repeat(4)}end`;
const spinnerFrames = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
/** The SGR code tmux draws a cyan cell with: `running` in colour. */
const cyan = '\x1b[36m';

/** The column (in display width) where `word` starts in `line`. */
function columnOf(line: string, word: string): number {
  const at = line.indexOf(word);
  expect(at, `${word} in ${line}`).toBeGreaterThanOrEqual(0);
  return displayWidth(line.slice(0, at));
}

describe.skipIf(!hasTool('tmux')).each([60, 120])('shiplog in a %i-column terminal (tmux)', (columns) => {
  const fake = new HttpStatusFake();
  let dir: string;
  let db: string;
  let terminal: TmuxTerminal;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    await fake.start();
    dir = mkdtempSync(join(tmpdir(), 'shiplog-tmux-'));
    db = join(dir, 'shiplog.db');
    const deploy = async (name: string, args: string[]) => {
      const { result, json } = await runCliJson(['--db', db, 'deploy', ...args]);
      expect(result.code, result.stderr).toBe(0);
      keys[name] = json.key;
    };
    await deploy('korean', ['--app', '웹', '--env', 'prod', '--version', '1.0.0', '--operator', '김철수', '--message', 'first line\nsecond line']);
    await deploy('hostile', ['--app', 'api', '--env', 'prod', '--version', '2.0.0', '--operator', 'bob', '--message', 'replaced below']);
    await deploy('long', ['--app', 'web', '--env', 'staging', '--version', '3.0.0', '--operator', '이영희', '--message', longMessage]);
    // --message refuses terminal escapes; a store written by another tool or an older shiplog may hold them.
    const sqlite = new Database(db);
    sqlite.prepare('update deployments set message = ? where key = ?').run(hostile, keys.hostile);
    sqlite.close();
    terminal = TmuxTerminal.start(columns, dir, { SHIPLOG_DB: db, ...quickPolling });
  });
  afterAll(async () => {
    terminal?.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('history: store text cannot drive the terminal, Korean names align, the long message is cut with … to fit', async () => {
    expect(await terminal.run('shiplog history')).toBe(0);
    const lines = terminal.screen({ joinWrapped: true }).split('\n');
    const header = lines.findIndex((line) => line.startsWith('ID '));
    const rows = lines.slice(header + 1, header + 4);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(['3', '2', '1']);
    for (const row of rows) expect(columnOf(row, 'running')).toBe(columnOf(lines[header]!, 'STATUS'));
    expect(columnOf(rows[0]!, '이영희')).toBe(columnOf(lines[header]!, 'OPERATOR'));
    expect(columnOf(rows[2]!, '김철수')).toBe(columnOf(lines[header]!, 'OPERATOR'));
    expect(rows[0]).toMatch(/…$/);
    expect(rows[0]).not.toContain('end');
    // The hostile message neither set the window title nor cleared the screen (the header above it is still there).
    expect(terminal.title()).not.toBe('pwned');
    if (columns === 120) for (const row of terminal.screen().split('\n')) expect(displayWidth(row)).toBeLessThanOrEqual(columns);
  });

  it('history piped: every character kept, escaped, one line per record with ↵ for a line break', async () => {
    expect(await terminal.run('shiplog history | cat')).toBe(0);
    const screen = terminal.screen({ joinWrapped: true });
    expect(screen).toContain(hostileShown);
    expect(screen).toContain('first line ↵ second line');
    expect(screen).toContain(longMessage);
    expect(terminal.screen({ colours: true })).not.toContain('\x1b[31m');
    expect(terminal.title()).not.toBe('pwned');
  });

  it('show: the hostile message escaped, a multi-line message on its own lines under the first', async () => {
    expect(await terminal.run(`shiplog show ${keys.hostile}`)).toBe(0);
    expect(terminal.screen({ joinWrapped: true })).toContain(`message:         ${hostileShown}`);
    expect(await terminal.run(`shiplog show ${keys.korean}`)).toBe(0);
    expect(terminal.screen({ joinWrapped: true })).toMatch(/^message: {9}first line\n {17}second line$/m);
  });

  it.each<[string, boolean]>([
    ['NO_COLOR=1 shiplog history', false],
    ['NO_COLOR= shiplog history', true],
    ['FORCE_COLOR=0 shiplog history', false],
    ['FORCE_COLOR=1 shiplog history | cat', true],
    ['shiplog history | cat', false],
    ['shiplog --no-color history', false],
  ])('%s: colour %s', async (command, coloured) => {
    expect(await terminal.run(command)).toBe(0);
    const screen = terminal.screen({ colours: true, joinWrapped: true });
    expect(screen).toContain('running');
    expect(screen.includes(cyan), screen).toBe(coloured);
  });

  it('deploy --wait under NO_COLOR: a spinner with the state and elapsed time fitted to the width, then the outcome', async () => {
    const path = `/deploys/spin-${columns}`;
    fake.script(path, [{ status: 'rolling' }]);
    terminal.type(`NO_COLOR=1 shiplog deploy --app checkout-service --env production --version 4.0.0 --status-url ${fake.url(path)} --wait --interval 100ms`);
    const screen = await terminal.waitFor((text) => /status URL says rolling.* \d+(ms|s)$/m.test(text), 'the spinner');
    const spinner = screen.split('\n').find((line) => spinnerFrames.test(line))!;
    expect(spinner).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] dep_/);
    expect(displayWidth(spinner)).toBeLessThan(columns);
    fake.script(path, [{ status: 'done' }]);
    expect(await terminal.ended()).toBe(0);
    const after = terminal.screen();
    const outcome = after.split('\n').find((line) => line.includes(': success, status URL says done'));
    expect(outcome, after).toBeDefined();
    expect(displayWidth(outcome!)).toBeLessThan(columns);
    expect(after).not.toMatch(spinnerFrames);
  });

  it('poll of many: a board whose lines keep state and elapsed time; Ctrl-C leaves the resume hint on screen', async () => {
    for (const app of ['payments-gateway', 'notifications-worker']) {
      const path = `/deploys/${app}-${columns}`;
      fake.script(path, [{ status: 'rolling' }]);
      const result = await runCli(['--db', db, 'deploy', '--app', app, '--env', 'production', '--version', '5.0.0', '--status-url', fake.url(path)]);
      expect(result.code, result.stderr).toBe(0);
    }
    terminal.type('shiplog poll --all --interval 100ms');
    const screen = await terminal.waitFor(
      (text) => text.split('\n').filter((line) => spinnerFrames.test(line) && / \d+(ms|s)$/.test(line) && line.includes(': status URL says rolling')).length === 2,
      'two board lines',
    );
    for (const line of screen.split('\n').filter((row) => spinnerFrames.test(row))) expect(displayWidth(line)).toBeLessThan(columns);
    terminal.interrupt();
    expect(await terminal.ended()).toBe(3);
    const after = terminal.screen({ joinWrapped: true });
    expect(after).toMatch(/resume with 'shiplog poll dep_\w+ dep_\w+'/);
    expect(after).not.toMatch(spinnerFrames);
  });
});
