#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): Node's CommonJS loader starts faster than its ES-module loader.
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The commonest question answered from one constant, before the CLI and its packages load. Written to the file
  // descriptor itself: for a pipe, process.stdout would first load net and Node's stream family (~7 ms); a full
  // non-blocking pipe (EAGAIN) or a closed one leaves it to the stream, as any other output.
  const line = `${require('../dist/version.cjs')}\n`;
  try {
    require('node:fs').writeSync(1, line);
  } catch {
    process.stdout.write(line);
  }
} else {
  // Node's own loader takes this small file, which has no code cache, faster than compiling it as a bundle does.
  const { bundleFor, heapFlagsFor, postgresStoreNamed } = require('../dist/bundle-choice.cjs');
  const heapFlags = heapFlagsFor(args);
  if (heapFlags !== undefined) require('node:v8').setFlagsFromString(heapFlags);
  require('./code-cache.js').useCodeCache();
  run(bundleFor(args), postgresStoreNamed(args, process.env));
}

async function run(bundle, postgresStore) {
  // A query command loads the smaller bundle that holds the query commands; anything else, the whole CLI.
  const bundlePath = require('node:path').join(__dirname, '..', 'dist', `${bundle}.cjs`);
  if (postgresStore !== undefined) {
    // The server starts a backend for the connection while the bundle is compiled. One turn of the event loop
    // first, in which the socket connects and pg sends its startup message; another after compiling, in which
    // the connection, if the backend is ready by then, sends its first query, which the server answers while
    // the bundle runs.
    require('../dist/postgres-pool.cjs').connectEarly(postgresStore);
    await new Promise(setImmediate);
    require('./code-cache.js').compileAhead(bundlePath);
    await new Promise(setImmediate);
  }
  const { main, standardStreamsDrained } = require(bundlePath);
  main(args).then(async (code) => {
    // What went through Node's stdout or stderr stream may still sit in its buffer: exiting then would cut off a
    // large answer (a --json plan of 10,000 records). Wait for it first.
    await standardStreamsDrained();
    // Exit explicitly: a finished command must not linger on an idle keep-alive socket or timer.
    process.exit(code);
  });
}
