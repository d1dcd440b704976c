import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { StandardStream } from './standard-stream.js';

/** What the spool gathers before one write to its file. */
const bufferedChars = 256 * 1024;
/** What one read of the file hands to stdout. */
const readBytes = 1024 * 1024;

/**
 * A JSON array gathered item by item in a temporary file (readable by its owner only), for an answer too long to
 * hold in memory: a command fills it while it reads the store, and prints it with `writeJsonDocument` once all
 * went well, so stdout stays empty when the command fails half-way. `dispose` deletes the file.
 */
export class JsonArraySpool {
  private readonly dir = mkdtempSync(join(tmpdir(), 'shiplog-spool-'));
  private readonly path = join(this.dir, 'items.json');
  private readonly fd = openSync(this.path, 'w+', 0o600);
  private pending = '';
  private written = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: unknown): void {
    this.pending += `${this.count === 0 ? '' : ',\n'}${JSON.stringify(item)}`;
    this.count += 1;
    if (this.pending.length >= bufferedChars) this.flush();
  }

  /** Writes the array, `[` and `]` included, to `stream`, a piece at a time. */
  writeTo(stream: StandardStream): void {
    this.flush();
    if (this.count === 0) {
      stream.write('[]');
      return;
    }
    stream.write('[\n');
    const buffer = Buffer.alloc(readBytes);
    // A character cut by a read's end is held back until the next read completes it.
    const decoder = new StringDecoder('utf8');
    for (let position = 0; position < this.written; ) {
      const read = readSync(this.fd, buffer, 0, readBytes, position);
      position += read;
      stream.write(decoder.write(buffer.subarray(0, read)));
    }
    stream.write('\n]');
  }

  dispose(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.written += writeSync(this.fd, this.pending, this.written);
    this.pending = '';
  }
}

/**
 * Writes `value` as one JSON document (indented as `Output.result` does), each spool inside it written in its
 * place from its file: the document is never held whole in memory.
 */
export function writeJsonDocument(stream: StandardStream, value: unknown): void {
  const spools: JsonArraySpool[] = [];
  // Unguessable, so no text in the document can pass for it. Web Crypto's global loads on first use: a static
  // import of node:crypto would load Node's stream family at every start of the query bundle, which holds history.
  const nonce = globalThis.crypto.randomUUID();
  const marker = (index: number) => `\u0000spool ${nonce} ${index}\u0000`;
  const text = JSON.stringify(value, (_key, item: unknown) => (item instanceof JsonArraySpool ? marker(spools.push(item) - 1) : item), 2);
  const pieces = text.split(new RegExp(`"\\\\u0000spool ${nonce} (\\d+)\\\\u0000"`));
  for (let index = 0; index < pieces.length; index += 1) {
    if (index % 2 === 0) stream.write(pieces[index]!);
    else spools[Number(pieces[index])]!.writeTo(stream);
  }
  stream.write('\n');
}
