import type stringWidth from 'string-width';
import { printableAscii } from './printable.js';

/** Colour codes shiplog itself writes; they take no room on the screen. */
const colourCodes = /\x1b\[[0-9;]*m/g;

/** The columns `text` takes on a terminal: wide (CJK) characters count two, combining marks and colour codes none. */
export function displayWidth(text: string): number {
  const plain = text.includes('\x1b') ? text.replace(colourCodes, '') : text;
  return printableAscii.test(plain) ? plain.length : unicodeWidth(plain);
}

let measureUnicode: typeof stringWidth | undefined;

/**
 * string-width, loaded on the first text that needs it: setting it up (its Unicode tables and an Intl.Segmenter)
 * costs some 20 ms, a tenth of a query command's start, which printable ASCII does without. `require` keeps the
 * load where it is called (the bundle is CommonJS).
 */
function unicodeWidth(text: string): number {
  measureUnicode ??= (require('string-width') as { default: typeof stringWidth }).default;
  return measureUnicode(text);
}

let graphemeSegmenter: Intl.Segmenter | undefined;

/** `text` cut at its end to at most `width` columns, with `…` where it was cut; never splits a character. */
export function cutEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  return `${leading(text, width - 1)}…`;
}

/**
 * A line made of a `head` (what it is about), a `tail` (how it stands, its status first) and an `end` that always
 * stays (the elapsed time), fitted to `width` columns by cutting the middle of the line: the end of the head goes
 * first, down to the first third of the line, then the end of the tail.
 */
export function fitLine(head: string, tail: string, width: number, end = ''): string {
  const room = width - displayWidth(end);
  const headRoom = room - displayWidth(tail);
  if (headRoom >= displayWidth(head)) return head + tail + end;
  const keptHead = Math.min(displayWidth(head), Math.max(1, Math.floor(width / 3)));
  if (headRoom >= keptHead) return cutEnd(head, headRoom) + tail + end;
  return cutEnd(head, keptHead) + cutEnd(tail, room - keptHead) + end;
}

/** The longest start of `text` that takes at most `width` columns. */
function leading(text: string, width: number): string {
  let kept = '';
  let used = 0;
  graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of graphemeSegmenter.segment(text)) {
    const size = displayWidth(segment);
    if (used + size > width) break;
    kept += segment;
    used += size;
  }
  return kept;
}
