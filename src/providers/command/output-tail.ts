import { redact, secretValues } from '../../secrets/redaction.js';

/**
 * Keeps the last lines a command printed, bounded in size, for the record's `error` on failure, with the
 * secrets of the environment the command inherited (see secrets/redaction.ts) blanked out before anything is kept:
 * the tail is stored and printed, and a command that echoes its token must not put it in the history.
 */
export class OutputTail {
  /** Redacted output, trimmed to its end as it grows. */
  private text = '';
  /** The last characters of the output, not redacted yet: a secret may begin there and end in the next chunk. */
  private pending = '';
  private readonly holdBack: number;

  constructor(
    private readonly secrets: readonly string[] = secretValues(process.env),
    private readonly maxLines = 20,
    private readonly maxChars = 4_000,
  ) {
    this.holdBack = Math.max(0, ...secrets.map((secret) => secret.length - 1));
  }

  push(chunk: Buffer | string): void {
    // A secret not whole in the redacted text ends at its end, so it lies within the held-back characters.
    const redacted = redact(this.pending + chunk.toString(), this.secrets);
    const settled = redacted.length - this.holdBack;
    this.text += redacted.slice(0, Math.max(0, settled));
    this.pending = redacted.slice(Math.max(0, settled));
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  toString(): string {
    const output = this.text + redact(this.pending, this.secrets);
    const lines = output.slice(-this.maxChars).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n/);
    return lines.slice(-this.maxLines - 1).join('\n').trimEnd();
  }
}
