import type { OutcomeValue } from './outcome-values.js';

/**
 * GitLab reads a `reports: dotenv` artifact only under limits of its own: a file smaller than 5 KB, at most 20
 * variables (on GitLab.com's smallest plans), one `NAME=value` line each with no empty line or comment, no
 * multi-line value, and no quoting (quotes are kept as part of the value, blanks at the ends dropped).
 */
const sizeLimitBytes = 5_000;

/**
 * The dotenv file for one deployment: `SHIPLOG_KEY`, `SHIPLOG_STATUS`, … as GitLab reads them. A value is made to
 * fit rather than the file refused: line breaks and other control characters become spaces, blanks at the ends
 * go (as GitLab would drop them), and the error, the only value that can be long, is cut to keep the file within
 * GitLab's size limit, ending in `…` where it was cut.
 */
export function dotenvFile(values: readonly OutcomeValue[]): string {
  const lines = values.map(([name, value]) => [`SHIPLOG_${name.toUpperCase()}`, oneLine(value)] as const);
  const fixed = lines.filter(([name]) => name !== 'SHIPLOG_ERROR').map(([name, value]) => `${name}=${value}\n`);
  const error = lines.find(([name]) => name === 'SHIPLOG_ERROR')?.[1];
  if (error === undefined) return fixed.join('');
  const room = sizeLimitBytes - Buffer.byteLength(fixed.join('')) - Buffer.byteLength('SHIPLOG_ERROR=\n');
  return `${fixed.join('')}SHIPLOG_ERROR=${cutToBytes(error, room)}\n`;
}

function oneLine(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}

/** The text, cut at a character boundary so it takes at most `bytes` bytes of UTF-8 with its `…`. */
function cutToBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const ellipsis = '…';
  let kept = '';
  let used = Buffer.byteLength(ellipsis);
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    kept += char;
    used += size;
  }
  return `${kept.trimEnd()}${ellipsis}`;
}
