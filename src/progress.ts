import { formatDuration } from './duration.js';

/** Where progress goes: stderr, or a stand-in with the same few members. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

interface BoardLine {
  label: string;
  state: string;
  /** When the deployment began (epoch ms), for the elapsed time. */
  since: number;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const redrawMs = 100;

/**
 * One line per followed deployment, on stderr so stdout stays the answer. On a terminal each is a spinner line
 * redrawn in place with the deployment's latest state and elapsed time, and a finished one leaves its last
 * line above the board. Elsewhere (a CI log) it writes a plain line whenever a deployment's state changes, so
 * the log reads as a history; passing remarks (a retry) appear there only with --verbose.
 */
export class ProgressBoard {
  private readonly lines = new Map<number, BoardLine>();
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { interactive: boolean; verbose: boolean },
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  /** Puts a deployment on the board; a log gets no line until its state changes. */
  add(id: number, label: string, state: string, since: number): void {
    this.lines.set(id, { label, state, since });
    if (this.options.interactive) this.animate();
  }

  /** The deployment's state now; a log gets a line only when it differs from the last one. */
  update(id: number, label: string, state: string, since: number): void {
    const previous = this.lines.get(id);
    this.lines.set(id, { label, state, since });
    if (this.options.interactive) this.animate();
    else if (previous?.state !== state || previous.label !== label) this.stream.write(`${label}: ${state} (${formatDuration(Date.now() - since)})\n`);
  }

  /** Something passing, such as a retry: shown on the spinner line, or in a log with --verbose. */
  aside(id: number, remark: string): void {
    const line = this.lines.get(id);
    if (!line) return;
    if (this.options.interactive) {
      this.lines.set(id, { ...line, state: remark });
      this.animate();
    } else if (this.options.verbose) {
      this.stream.write(`${line.label}: ${remark}\n`);
    }
  }

  /** The deployment is no longer followed; `text` is its last word and stays. */
  finish(id: number, text: string): void {
    this.lines.delete(id);
    if (!this.options.interactive) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.erase();
    this.stream.write(`${this.fit(text)}\n`);
    this.draw();
  }

  /** Stops redrawing and takes the spinner lines away; what `finish` wrote stays. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.interactive) this.erase();
    this.lines.clear();
  }

  private animate(): void {
    if (this.timer) return;
    this.draw();
    this.timer = setInterval(() => {
      this.frame = (this.frame + 1) % frames.length;
      this.erase();
      this.draw();
    }, redrawMs);
    this.timer.unref();
  }

  private draw(): void {
    const room = Math.max(1, (this.stream.rows || 24) - 2);
    const all = [...this.lines.values()];
    const shown = all.length > room ? all.slice(0, room - 1) : all;
    const spinner = frames[this.frame]!;
    const text = shown.map((line) => {
      const elapsed = ` ${formatDuration(Date.now() - line.since)}`;
      return this.fit(`${spinner} ${line.label}: ${line.state}`, elapsed.length) + elapsed;
    });
    if (shown.length < all.length) text.push(`  … and ${all.length - shown.length} more`);
    if (text.length > 0) this.stream.write(`${text.join('\n')}\n`);
    this.drawn = text.length;
  }

  /** Moves back to the board's first line and clears it and everything below. */
  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  /**
   * A line longer than the terminal is wide would wrap and throw off the redraw; `reserved` columns are kept
   * free for what follows it. A size of 0 means unknown.
   */
  private fit(text: string, reserved = 0): string {
    const width = (this.stream.columns || 80) - 1 - reserved;
    return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  }
}
