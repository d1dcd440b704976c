import { formatDuration } from '../timing/duration.js';
import { printable } from './printable.js';
import { standardStream } from './standard-stream.js';
import { fitLine } from './width.js';

/** Where progress goes: stderr, or a stand-in with the same few members. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/**
 * What a follow loop tells about the deployments it follows: the board for many (below), a spinner for one
 * (terminal/spinner.ts), plain lines in a log. Every text is escaped here, so store and server text cannot
 * drive the terminal.
 */
export interface ProgressDisplay {
  /** Puts a deployment on the display; a log gets no line until its state changes. */
  add(id: number, label: string, state: string, since: number): void;
  /** The deployment's state now. */
  update(id: number, label: string, state: string, since: number): void;
  /** Something passing, such as a retry: shown on the live line, or in a log with --verbose. */
  aside(id: number, remark: string): void;
  /** The deployment is no longer followed; `label: outcome` is its last word and stays. */
  finish(id: number, label: string, outcome: string): void;
  /** A line of its own (a warning, a resume hint), written above the live lines so no redraw takes it away. */
  above(line: string): void;
  /** Stops redrawing and takes the live lines away; what `finish` and `above` wrote stays. */
  close(): void;
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
export class ProgressBoard implements ProgressDisplay {
  private readonly lines = new Map<number, BoardLine>();
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { interactive: boolean; verbose: boolean },
    private readonly stream: ProgressStream = standardStream(2),
  ) {}

  add(id: number, label: string, state: string, since: number): void {
    this.lines.set(id, { label: printable(label), state: printable(state), since });
    if (this.options.interactive) this.animate();
  }

  /** A log gets a line only when the state differs from the last one. */
  update(id: number, label: string, state: string, since: number): void {
    const previous = this.lines.get(id);
    const line = { label: printable(label), state: printable(state), since };
    this.lines.set(id, line);
    if (this.options.interactive) this.animate();
    else if (previous?.state !== line.state || previous.label !== line.label) this.stream.write(`${line.label}: ${line.state} (${formatDuration(Date.now() - since)})\n`);
  }

  aside(id: number, remark: string): void {
    const line = this.lines.get(id);
    if (!line) return;
    if (this.options.interactive) {
      this.lines.set(id, { ...line, state: printable(remark) });
      this.animate();
    } else if (this.options.verbose) {
      this.stream.write(`${line.label}: ${printable(remark)}\n`);
    }
  }

  finish(id: number, label: string, outcome: string): void {
    this.lines.delete(id);
    const head = printable(label);
    const tail = `: ${printable(outcome)}`;
    if (!this.options.interactive) {
      this.stream.write(`${head}${tail}\n`);
      return;
    }
    this.erase();
    this.stream.write(`${fitLine(head, tail, this.width())}\n`);
    this.draw();
  }

  above(line: string): void {
    if (!this.options.interactive) {
      this.stream.write(`${printable(line)}\n`);
      return;
    }
    this.erase();
    this.stream.write(`${printable(line)}\n`);
    this.draw();
  }

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

  /**
   * Each line fitted to the terminal, since a line that wrapped would throw off the redraw: the middle is cut
   * (the end of the label), so the state and the elapsed time stay in sight.
   */
  private draw(): void {
    const room = Math.max(1, (this.stream.rows || 24) - 2);
    const all = [...this.lines.values()];
    const shown = all.length > room ? all.slice(0, room - 1) : all;
    const spinner = frames[this.frame]!;
    const text = shown.map((line) => fitLine(`${spinner} ${line.label}`, `: ${line.state}`, this.width(), ` ${formatDuration(Date.now() - line.since)}`));
    if (shown.length < all.length) text.push(`  … and ${all.length - shown.length} more`);
    if (text.length > 0) this.stream.write(`${text.join('\n')}\n`);
    this.drawn = text.length;
  }

  /** Moves back to the board's first line and clears it and everything below. */
  private erase(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  /** The columns a line may take: one less than the terminal's width, so the cursor never wraps. 0 means unknown. */
  private width(): number {
    return (this.stream.columns || 80) - 1;
  }
}
