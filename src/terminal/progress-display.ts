import type { Output } from '../output.js';
import { ProgressBoard, type ProgressDisplay } from '../progress.js';

/**
 * The display for a follow loop: on a terminal, a spinner for one deployment and the board for many; in a log
 * (stderr not a terminal) plain lines, whatever the count. ora is imported only for the spinner, so a CI run
 * never loads it. Progress lines the command writes meanwhile go above the display.
 */
export async function progressDisplay(out: Output, count: 'one' | 'many'): Promise<ProgressDisplay> {
  const display =
    out.interactive && count === 'one'
      ? new (await import('./spinner.js')).Spinner(out.colour)
      : new ProgressBoard({ interactive: out.interactive, verbose: out.verbose });
  out.drawingOn(display);
  return display;
}
