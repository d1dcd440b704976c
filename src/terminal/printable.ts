/**
 * Characters that make text print other than it reads, or drive the terminal that shows it: the C0 controls
 * (ESC among them), DEL and the C1 controls (all of `\p{Cc}`), Unicode's line and paragraph separators, and the
 * bidirectional controls that reorder what follows.
 */
export const unprintable = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const unprintables = new RegExp(unprintable.source, 'gu');

/** Text of printable ASCII only, one column a character: most of what shiplog prints (keys, times, statuses, versions). */
export const printableAscii = /^[\x20-\x7e]*$/;

/** The mark a line break in one-line text becomes: visible, and no terminal reads it as a command. */
const lineBreakMark = ' ↵ ';

/**
 * How text from the store, a server or the user is laid out where people read it:
 * - `exact`: every unprintable character written as its code (`\u001b`), line breaks and tabs too; for a refused
 *   value quoted in an error, where the user must see what they typed.
 * - `line`: one line, as a table cell or a progress line shows it; a line break becomes ` ↵ `, a tab a space.
 * - `block`: line breaks kept (a multi-line message in `show`), tabs kept; a lone carriage return, which would
 *   write over the line, is escaped like the rest.
 */
export type Layout = 'exact' | 'line' | 'block';

/**
 * `text` made safe to print on a terminal: nothing in it can move the cursor, change colours, set the window
 * title or reorder what follows. The one function every human output goes through; `--json` never does.
 */
export function printable(text: string, layout: Layout = 'line'): string {
  // Most of what shiplog prints (keys, versions, times) is printable ASCII, which every layout leaves as it is:
  // this spares the replacements, and the Unicode property class its first use compiles, some 2 ms of a status.
  if (printableAscii.test(text)) return text;
  let shown = text;
  if (layout === 'line') shown = shown.replace(/\r\n|\n|\r|\u2028|\u2029/g, lineBreakMark).replace(/\t/g, ' ');
  if (layout === 'block') shown = shown.replace(/\r\n/g, '\n');
  return shown.replace(unprintables, (char) => (layout === 'block' && (char === '\n' || char === '\t') ? char : codeOf(char)));
}

function codeOf(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
