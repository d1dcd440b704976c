import { fstatSync, writeSync } from 'node:fs';

/** stdout or stderr as shiplog writes to it: Node's stream on a terminal, else the descriptor itself. */
export interface StandardStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

type Descriptor = 1 | 2;

/** process.stdout and process.stderr, once something needed them. */
const nodeStreams = new Map<Descriptor, NodeJS.WriteStream>();
const standardStreams = new Map<Descriptor, StandardStream>();

/**
 * Node's process.stdout (1) or process.stderr (2), for what needs a Node stream (a child process's output, ora).
 * shiplog reaches them only through here, so the exit waits for what they still hold, and the descriptor's
 * writer (below) sends everything after through the stream too, in order.
 */
export function nodeStandardStream(fd: Descriptor): NodeJS.WriteStream {
  let stream = nodeStreams.get(fd);
  if (!stream) {
    stream = fd === 1 ? process.stdout : process.stderr;
    stream.on('error', ignoreClosedReader);
    nodeStreams.set(fd, stream);
  }
  return stream;
}

/**
 * stdout (1) or stderr (2) for shiplog's own words. A pipe, a file or a socket is written directly with
 * fs.writeSync: the first touch of process.stdout on a pipe builds a net.Socket, which loads net, the stream
 * family, tty and more, some 7 ms of a query command's start, for output that is written whole at once anyway.
 * A terminal (or another character device such as /dev/null) gets Node's stream, which knows its width.
 */
export function standardStream(fd: Descriptor): StandardStream {
  let stream = standardStreams.get(fd);
  if (!stream) {
    stream = writtenDirectly(fd) ? new DescriptorWriter(fd) : nodeStandardStream(fd);
    standardStreams.set(fd, stream);
  }
  return stream;
}

/** Resolves once process.stdout and process.stderr, if anything used them, hold nothing unwritten. */
export async function standardStreamsDrained(): Promise<void> {
  for (const stream of nodeStreams.values()) {
    // A reader that went away (EPIPE) closes the stream instead of draining it.
    if (stream.writableNeedDrain) await new Promise((resolve) => stream.once('drain', resolve).once('close', resolve));
  }
}

function writtenDirectly(fd: Descriptor): boolean {
  try {
    return !fstatSync(fd).isCharacterDevice();
  } catch {
    // A closed descriptor: Node's stream stands in for it as it always has.
    return false;
  }
}

/**
 * A reader that went away (`shiplog history | head -1`) wanted no more: the rest of the output is dropped, and
 * the command ends as it would have, without a stack trace about a broken pipe.
 */
function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/** Writes a pipe, a file or a socket with write(2) until all is written (a pipe may take part of it at a time). */
class DescriptorWriter implements StandardStream {
  readonly isTTY = false;
  private readerGone = false;

  constructor(private readonly fd: Descriptor) {}

  write(text: string): boolean {
    const stream = nodeStreams.get(this.fd);
    if (stream) return stream.write(text);
    if (this.readerGone) return true;
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; ) {
      try {
        offset += writeSync(this.fd, bytes, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking descriptor (someone else set it so) that is full: Node's stream queues the rest, and the
        // exit waits for it to drain.
        if (code === 'EAGAIN') return nodeStandardStream(this.fd).write(bytes.subarray(offset));
        if (code !== 'EPIPE') throw error;
        this.readerGone = true;
        return true;
      }
    }
    return true;
  }
}
