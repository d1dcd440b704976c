import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binPath, cliEnv } from './cli.js';

/** What the screen is checked against while waiting, and how long at most (a loaded 2-core machine). */
const deadlineMs = 45_000;
const pollMs = 100;

/**
 * A real terminal of a given width: a tmux session on a private socket running a plain bash, where `shiplog`
 * is the built CLI. Tests type commands into it and read the screen back (`capture-pane`), waiting until the
 * expected text appears instead of sleeping.
 */
export class TmuxTerminal {
  private readonly socket = `shiplog-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private commands = 0;

  private constructor(readonly columns: number) {}

  /** Starts the session in `dir` (which gets a `shiplog` wrapper), with the test's environment plus `env`. */
  static start(columns: number, dir: string, env: NodeJS.ProcessEnv = {}): TmuxTerminal {
    const terminal = new TmuxTerminal(columns);
    const wrapper = join(dir, 'shiplog');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${binPath}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const sessionEnv = cliEnv({ PATH: `${dir}:${process.env.PATH}`, PS1: '$ ', HISTFILE: '/dev/null', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...env });
    delete sessionEnv.NO_COLOR;
    delete sessionEnv.TMUX;
    terminal.tmux(['-u', '-f', '/dev/null', 'new-session', '-d', '-x', String(columns), '-y', '30', '-s', 'main', '-c', dir, 'bash --norc --noprofile'], sessionEnv);
    return terminal;
  }

  /** Clears the screen, types `command` and waits for it to end; resolves with its exit status. */
  async run(command: string): Promise<number> {
    const marker = this.type(command);
    const screen = await this.waitFor((text) => new RegExp(`^${marker}:\\d+$`, 'm').test(text), `the end of: ${command}`);
    return Number(new RegExp(`^${marker}:(\\d+)$`, 'm').exec(screen)![1]);
  }

  /** Clears the screen and types `command` without waiting; returns the marker its end will print. */
  type(command: string): string {
    this.commands += 1;
    const marker = `@@done${this.commands}`;
    this.tmux(['send-keys', '-t', 'main', '-l', `clear; ${command}; echo ${marker}:$?`]);
    this.tmux(['send-keys', '-t', 'main', 'Enter']);
    return marker;
  }

  /** Presses Ctrl-C in the session. */
  interrupt(): void {
    this.tmux(['send-keys', '-t', 'main', 'C-c']);
  }

  /** Waits for the program typed last to end (its marker on the screen); resolves with its exit status. */
  async ended(): Promise<number> {
    const marker = `@@done${this.commands}`;
    const screen = await this.waitFor((text) => new RegExp(`^${marker}:\\d+$`, 'm').test(text), 'the command to end');
    return Number(new RegExp(`^${marker}:(\\d+)$`, 'm').exec(screen)![1]);
  }

  /** The screen as text, each row a line; `colours` keeps the SGR codes tmux draws the cells with. */
  screen(options: { colours?: boolean; joinWrapped?: boolean } = {}): string {
    const args = ['capture-pane', '-p', '-t', 'main'];
    if (options.colours) args.push('-e');
    if (options.joinWrapped) args.push('-J');
    return this.tmux(args);
  }

  /** The window title programs set with OSC 0/2. */
  title(): string {
    return this.tmux(['display-message', '-p', '-t', 'main', '#{pane_title}']).trim();
  }

  /** Polls the screen until `done` holds of it; fails with the last screen after a generous deadline. */
  async waitFor(done: (screen: string) => boolean, what: string, options: { colours?: boolean } = {}): Promise<string> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const screen = this.screen(options);
      if (done(screen)) return screen;
      if (Date.now() > until) throw new Error(`waited ${deadlineMs / 1000}s for ${what}; the screen:\n${screen}`);
      await sleep(pollMs);
    }
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }

  private tmux(args: string[], env?: NodeJS.ProcessEnv): string {
    const run = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: env ?? process.env });
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  }
}
