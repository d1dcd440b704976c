import ora, { type Ora } from 'ora';
import { formatDuration } from '../timing/duration.js';
import { printable } from './printable.js';
import type { ProgressDisplay, ProgressStream } from './progress.js';
import { nodeStandardStream } from './standard-stream.js';
import { fitLine } from './width.js';

/** Columns kept free on the spinner line for the elapsed time (`59m 59s`) ora appends. */
const elapsedRoom = 9;

/**
 * The single-deployment wait on a terminal (`deploy --wait`, `rollback --wait`, `track ID`, `poll ID`): an ora
 * spinner with the deployment's state and elapsed time, and the outcome left as a line when it ends. ora neither
 * hides the cursor nor takes over stdin here: both install exit hooks (signal-exit) that end the process on the
 * first Ctrl-C, before shiplog can leave the record resumable and say how to resume.
 */
export class Spinner implements ProgressDisplay {
  private readonly spinner: Ora;
  private label = '';
  private state = '';
  private since = Date.now();
  /** Once the deployment's last word is written, a late remark (a retry that was under way) must not restart the spinner. */
  private ended = false;

  constructor(
    colour: boolean,
    private readonly stream: ProgressStream & NodeJS.WritableStream = nodeStandardStream(2),
  ) {
    this.spinner = ora({
      stream,
      color: colour ? 'cyan' : false,
      hideCursor: false,
      discardStdin: false,
      isEnabled: true,
      suffixText: () => formatDuration(Date.now() - this.since),
    });
  }

  add(_id: number, label: string, state: string, since: number): void {
    this.show(label, state, since);
  }

  update(_id: number, label: string, state: string, since: number): void {
    this.show(label, state, since);
  }

  aside(_id: number, remark: string): void {
    this.show(this.label, remark, this.since);
  }

  finish(_id: number, label: string, outcome: string): void {
    this.ended = true;
    this.spinner.stop();
    this.stream.write(`${fitLine(printable(label), `: ${printable(outcome)}`, this.width())}\n`);
  }

  /** Written while ora spins, the line goes above the spinner: ora clears its line around every write to the stream. */
  above(line: string): void {
    this.stream.write(`${printable(line)}\n`);
  }

  close(): void {
    this.ended = true;
    this.spinner.stop();
  }

  private show(label: string, state: string, since: number): void {
    if (this.ended) return;
    this.label = label;
    this.state = state;
    this.since = since;
    this.spinner.text = fitLine(printable(this.label), `: ${printable(this.state)}`, this.width() - 2 - elapsedRoom);
    if (!this.spinner.isSpinning) this.spinner.start();
  }

  private width(): number {
    return (this.stream.columns || 80) - 1;
  }
}
