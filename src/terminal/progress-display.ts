import type { Output } from './output.js';
import { ProgressBoard, type ProgressDisplay } from './progress.js';
import { nodeStandardStream } from './standard-stream.js';

/**
 * The display for a follow loop: on a terminal, a spinner for one deployment and the board for many; in a log
 * (stderr not a terminal) plain lines, whatever the count. ora is imported only for the spinner, so a CI run
 * never loads it. A terminal that reports no width (a pseudo-terminal nobody sized) gets the board, which
 * assumes 80 columns: ora divides by the width to count the lines it must clear. Progress lines the command
 * writes meanwhile go above the display.
 */
export async function progressDisplay(out: Output, count: 'one' | 'many'): Promise<ProgressDisplay> {
  // Interactive means stderr is a terminal: out.stderr is then Node's stream, which ora needs.
  const display =
    out.interactive && count === 'one' && (out.stderr.columns ?? 0) > 0
      ? new (await import('./spinner.js')).Spinner(out.colour, nodeStandardStream(2))
      : new ProgressBoard({ interactive: out.interactive, verbose: out.verbose }, out.stderr);
  out.drawingOn(display);
  return display;
}
