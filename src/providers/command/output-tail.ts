/** Keeps the last lines a command printed, bounded in size, for the record's `error` on failure. */
export class OutputTail {
  private text = '';

  constructor(
    private readonly maxLines = 20,
    private readonly maxChars = 4_000,
  ) {}

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  toString(): string {
    const lines = this.text.slice(-this.maxChars).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n/);
    return lines.slice(-this.maxLines - 1).join('\n').trimEnd();
  }
}
