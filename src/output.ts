import { Chalk, type ChalkInstance } from 'chalk';
import type { Status } from './lifecycle.js';

export interface OutputOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
}

/**
 * Where a command's words go. With --json, stdout carries exactly one JSON document and everything else goes
 * to stderr; colour and spinners only where the stream is a terminal.
 */
export class Output {
  readonly paint: ChalkInstance;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Whether stderr is a terminal a spinner may redraw. */
  readonly interactive: boolean;

  constructor(options: OutputOptions, private readonly stdout = process.stdout, private readonly stderr = process.stderr) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.interactive = Boolean(stderr.isTTY) && options.color;
    this.paint = new Chalk({ level: options.color && stdout.isTTY ? 1 : 0 });
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

  /** A line about progress: on stderr, so stdout stays the answer. */
  progress(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** Progress that only --verbose wants. */
  detail(line: string): void {
    if (this.verbose) this.stderr.write(`${line}\n`);
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
}
