/**
 * Text from the store (a message, a command's output tail, a version) shown in Markdown as the very characters
 * it holds: HTML is written as entities so a tag stays text, Markdown's marks are escaped so they format
 * nothing, a pipe cannot split a table cell, and line breaks become `<br>` so a value stays in its cell.
 */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]~|#]/g, (mark) => `\\${mark}`)
    .replace(/\r\n|\r|\n/g, '<br>')
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
}

/**
 * A link to `url` with `label` (already Markdown), or the label alone when the URL is not http(s): a link is
 * never a way to run script. Characters that would end the link or a table cell are percent-encoded.
 */
export function markdownLink(label: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return label;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return label;
  const target = parsed.href.replace(/[()|[\]\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${label}](${target})`;
}
