import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { seedNcpDeployments } from '../fixtures/ncp-seed.js';
import { ncpSuite } from '../fixtures/ncp-suite.js';
import { Output } from '../src/terminal/output.js';
import { ProgressBoard } from '../src/terminal/progress.js';
import { binPath, cliEnv } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { describeEachStore } from './support/stores.js';

/** A stand-in for stderr that keeps what is written. */
function terminal(isTTY: boolean, rows = 24, columns = 80) {
  const written: string[] = [];
  return { written, text: () => written.join(''), write: (chunk: string) => written.push(chunk) > 0, isTTY, rows, columns };
}

describe('the progress board in a log (no terminal)', () => {
  it('writes one line per change of state, none for a repeat, and keeps passing remarks for --verbose', () => {
    const log = terminal(false);
    const board = new ProgressBoard({ interactive: false, verbose: false }, log);
    const since = Date.now();
    board.add(1, 'dep_A web -> prod', 'polling NCP', since);
    board.update(1, 'dep_A web -> prod', 'NCP says inprogress (in progress)', since);
    board.update(1, 'dep_A web -> prod', 'NCP says inprogress (in progress)', since);
    board.aside(1, 'NCP answered HTTP 503; retry 1 in 2s');
    board.update(1, 'dep_A web -> prod', 'NCP says success', since);
    board.finish(1, 'dep_A web -> prod', 'success');
    board.close();
    expect(log.text().split('\n')).toEqual([
      expect.stringMatching(/^dep_A web -> prod: NCP says inprogress \(in progress\) \(\d+ms\)$/),
      expect.stringMatching(/^dep_A web -> prod: NCP says success \(\d+ms\)$/),
      'dep_A web -> prod: success',
      '',
    ]);
  });

  it('shows retries with --verbose', () => {
    const log = terminal(false);
    const board = new ProgressBoard({ interactive: false, verbose: true }, log);
    board.add(1, 'dep_A', 'polling NCP', Date.now());
    board.aside(1, 'NCP answered HTTP 503; retry 1 in 2s');
    expect(log.text()).toBe('dep_A: NCP answered HTTP 503; retry 1 in 2s\n');
  });
});

describe('the progress board on a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws a spinner line per deployment with its state and elapsed time, redrawn in place', () => {
    const tty = terminal(true);
    const board = new ProgressBoard({ interactive: true, verbose: false }, tty);
    const since = Date.now() - 65_000;
    board.add(1, 'dep_A web -> prod', 'polling NCP', since);
    expect(tty.text()).toBe('⠋ dep_A web -> prod: polling NCP 1m 05s\n');
    board.add(2, 'dep_B api -> prod', 'polling status URL', since);
    board.update(1, 'dep_A web -> prod', 'NCP says pending (awaiting approval)', since);
    tty.written.length = 0;
    vi.advanceTimersByTime(100);
    expect(tty.text()).toBe('\x1b[1F\x1b[J⠙ dep_A web -> prod: NCP says pending (awaiting approval) 1m 05s\n⠙ dep_B api -> prod: polling status URL 1m 05s\n');
    tty.written.length = 0;
    vi.advanceTimersByTime(100);
    expect(tty.text()).toBe('\x1b[2F\x1b[J⠹ dep_A web -> prod: NCP says pending (awaiting approval) 1m 05s\n⠹ dep_B api -> prod: polling status URL 1m 05s\n');
    board.close();
  });

  it('leaves a finished deployment\'s last line above the board, and takes the board away on close', () => {
    const tty = terminal(true);
    const board = new ProgressBoard({ interactive: true, verbose: false }, tty);
    board.add(1, 'dep_A', 'polling NCP', Date.now());
    board.add(2, 'dep_B', 'polling NCP', Date.now());
    vi.advanceTimersByTime(100);
    tty.written.length = 0;
    board.finish(1, 'dep_A', 'success');
    expect(tty.text()).toBe('\x1b[2F\x1b[Jdep_A: success\n⠙ dep_B: polling NCP 100ms\n');
    tty.written.length = 0;
    board.close();
    expect(tty.text()).toBe('\x1b[1F\x1b[J');
    vi.advanceTimersByTime(500);
    expect(tty.text()).toBe('\x1b[1F\x1b[J');
  });

  it('writes a progress line (the resume hint after Ctrl-C) above the board, so closing the board leaves it', () => {
    const tty = terminal(true, 24, 60);
    const out = new Output({ json: false, colour: { mode: 'auto' }, verbose: false }, {}, terminal(false), tty);
    const board = new ProgressBoard({ interactive: true, verbose: false }, tty);
    out.drawingOn(board);
    board.add(1, 'dep_A', 'rolling', Date.now());
    board.add(2, 'dep_B', 'rolling', Date.now());
    tty.written.length = 0;
    out.progress("interrupted: dep_A is left running; resume with 'shiplog track dep_A'");
    board.close();
    expect(tty.text()).toBe(
      "\x1b[1F\x1b[Jinterrupted: dep_A is left running; resume with 'shiplog track dep_A'\n⠋ dep_A: rolling 0ms\n⠋ dep_B: rolling 0ms\n\x1b[2F\x1b[J",
    );
  });

  it('escapes what a server or the store says before drawing it', () => {
    const tty = terminal(true);
    const board = new ProgressBoard({ interactive: true, verbose: false }, tty);
    board.add(1, 'dep_A \x1b]0;pwned\x07', 'HTTP 500: \x1b[2J\nretrying', Date.now());
    board.finish(1, 'dep_A', 'failed: \x1b[31mboom');
    board.close();
    expect(tty.text()).not.toMatch(/\x1b\]|\x1b\[2J|\x1b\[31m|\x07/);
    expect(tty.text()).toContain('dep_A \\u001b]0;pwned\\u0007: HTTP 500: \\u001b[2J ↵ retrying');
    expect(tty.text()).toContain('dep_A: failed: \\u001b[31mboom');
  });

  it('fits the board to the terminal: the middle of a long line is cut so the state and elapsed time stay, extra deployments are counted', () => {
    const tty = terminal(true, 5, 30);
    const board = new ProgressBoard({ interactive: true, verbose: false }, tty);
    for (let id = 1; id <= 6; id += 1) board.add(id, `dep_${id} a-rather-long-app-name -> prod`, 'polling NCP', Date.now());
    tty.written.length = 0;
    vi.advanceTimersByTime(100);
    expect(tty.text()).toBe(`\x1b[1F\x1b[J${['⠙ dep_1 a…: polling NCP 100ms', '⠙ dep_2 a…: polling NCP 100ms', '  … and 4 more'].join('\n')}\n`);
    board.close();
  });
});

describeEachStore('poll on a terminal, on %s', (kind) => {
  const suite = ncpSuite(kind);

  it('shows a board line for each deployment with the remote status, then the outcome', async () => {
    await seedNcpDeployments(suite.store.spec, suite.fake, ['web', 'api'], [{ status: 'pending', times: 4 }, { status: 'success' }]);
    const env: NodeJS.ProcessEnv = { ...cliEnv(ncpEnv(suite.fake)), TERM: 'xterm' };
    delete env.NO_COLOR;
    const command = `stty cols 200; ${process.execPath} ${binPath} --db '${suite.store.spec}' poll --all --interval 150ms`;
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('close', (code) => resolve({ code, text }));
    });
    expect(output.code, output.text).toBe(0);
    expect(output.text).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] dep_\w+ web 2\.0\.0 -> prod: NCP says pending \(awaiting approval\) \d+(ms|s)/);
    expect(output.text).toContain('\x1b[1F\x1b[J');
    expect(output.text).toMatch(/dep_\w+ web 2\.0\.0 -> prod: success, NCP says success/);
    expect((await snapshot(suite.store)).deployments).toMatchObject([{ status: 'success' }, { status: 'success' }]);
  });
});
