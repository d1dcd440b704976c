#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): Node's CommonJS loader starts faster than its ES-module loader.
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The commonest question answered from one constant, before the CLI and its packages load.
  process.stdout.write(`${require('../dist/version.cjs')}\n`);
} else {
  require('./code-cache.js').useCodeCache();
  const { once } = require('node:events');
  const { bundleFor } = require('../dist/bundle-choice.cjs');
  // A query command loads the smaller bundle that holds the query commands; anything else, the whole CLI.
  const { main } = require(`../dist/${bundleFor(args)}.cjs`);
  main(args).then(async (code) => {
    // Output to a pipe is written asynchronously: exiting while a large answer (a --json plan of 10,000 records)
    // still sits in the buffer would cut it off. Wait for both streams to drain first.
    for (const stream of [process.stdout, process.stderr]) {
      if (stream.writableNeedDrain) await once(stream, 'drain');
    }
    // Exit explicitly: a finished command must not linger on an idle keep-alive socket or timer.
    process.exit(code);
  });
}
