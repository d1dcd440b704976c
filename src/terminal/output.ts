import { Chalk, type ChalkInstance } from 'chalk';
import type { Status } from '../deployment/lifecycle.js';
import { colourLevel, liveProgress, type ColourSetting } from './colour.js';
import { printable } from './printable.js';
import type { ProgressDisplay } from './progress.js';
import { standardStream, type StandardStream } from './standard-stream.js';

export interface OutputOptions {
  json: boolean;
  colour: ColourSetting;
  verbose: boolean;
}

/** A table cell or a piece of a line that is already safe to print (escaped, coloured by shiplog). */
export interface Painted {
  painted: string;
}

/**
 * Where a command's words go. With --json, stdout carries exactly one JSON document and everything else goes
 * to stderr. Colour follows --no-color, FORCE_COLOR and NO_COLOR (terminal/colour.ts); a spinner or a board
 * redrawn in place only where stderr is a terminal, whatever the colour.
 */
export class Output {
  readonly paint: ChalkInstance;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Whether stderr is a terminal a spinner may redraw. */
  readonly interactive: boolean;
  /** Whether the spinner may be coloured: colour is not turned off. */
  readonly colour: boolean;
  /** The spinner or board drawn on stderr now, if any: progress lines go above it. */
  private live: ProgressDisplay | undefined;

  constructor(
    options: OutputOptions,
    env: NodeJS.ProcessEnv = process.env,
    readonly stdout: StandardStream = standardStream(1),
    readonly stderr: StandardStream = standardStream(2),
  ) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.interactive = liveProgress(stderr, env);
    this.colour = options.colour.mode !== 'off';
    this.paint = new Chalk({ level: colourLevel(options.colour, Boolean(stdout.isTTY)) });
  }

  /**
   * The columns a table on stdout may take: the terminal's width, or undefined when stdout is not a terminal
   * (piped to a file or another program, a table keeps every character, as kubectl and gh do).
   */
  get columns(): number | undefined {
    return this.stdout.isTTY && this.stdout.columns ? this.stdout.columns : undefined;
  }

  /** The command's answer: `value` as JSON with --json, else the human text. */
  result(value: unknown, human: () => string): void {
    if (this.json) {
      this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    } else {
      const text = human();
      if (text.length > 0) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** A line about progress: on stderr, so stdout stays the answer; escaped, since it quotes store and server text. */
  progress(line: string): void {
    if (this.live) this.live.above(line);
    else this.stderr.write(`${printable(line)}\n`);
  }

  /** Progress that only --verbose wants. */
  detail(line: string): void {
    if (this.verbose) this.progress(line);
  }

  /** From now on progress lines go above `display`; once it is closed, it writes them as plain lines. */
  drawingOn(display: ProgressDisplay): void {
    this.live = display;
  }

  status(status: Status): string {
    const colour: Record<Status, (text: string) => string> = {
      success: this.paint.green,
      failed: this.paint.red,
      cancelled: this.paint.yellow,
      timeout: this.paint.magenta,
      stale: this.paint.magenta,
      running: this.paint.cyan,
      pending: this.paint.cyan,
    };
    return colour[status](status);
  }

  /** A status as a table cell: coloured, and never cut. */
  statusCell(status: Status): Painted {
    return { painted: this.status(status) };
  }
}
