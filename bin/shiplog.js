#!/usr/bin/env node
import { once } from 'node:events';
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
// Output to a pipe is written asynchronously: exiting while a large answer (a --json plan of 10,000 records)
// still sits in the buffer would cut it off. Wait for both streams to drain first.
for (const stream of [process.stdout, process.stderr]) {
  if (stream.writableNeedDrain) await once(stream, 'drain');
}
// Exit explicitly: a finished command must not linger on an idle keep-alive socket or timer.
process.exit(code);
