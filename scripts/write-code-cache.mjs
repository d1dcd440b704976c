// Writes the V8 code cache beside each bundle in dist/ (bin/code-cache.js), run by scripts/build.mjs in a process
// of its own after the bundles are built.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCodeCache } from '../bin/code-cache.js';

/**
 * What the CLI bundle's code cache is made from: the query commands, each run once on a scratch SQLite store with
 * two deployments, so the code they run is compiled in the cache rather than on each start.
 */
async function runQueryCommands({ main }) {
  const dir = mkdtempSync(join(tmpdir(), 'shiplog-build-'));
  const db = ['--db', join(dir, 'shiplog.db')];
  let printed = '';
  const streams = { stdout: { write: (text) => ((printed += text), true) }, stderr: { write: () => true } };
  const run = async (args) => {
    printed = '';
    if ((await main([...db, ...args], {}, streams)) !== 0) throw new Error(`shiplog ${args.join(' ')} failed while building the code cache`);
    return printed;
  };
  try {
    const keys = [];
    for (const version of ['1.0.0', '1.0.1']) {
      const { key } = JSON.parse(await run(['--json', 'deploy', '--app', 'web', '--env', 'prod', '--version', version]));
      await run(['finish', key, '--status', 'success']);
      keys.push(key);
    }
    for (const args of [['history', '--limit', '20'], ['history', '--app', 'web', '--env', 'prod'], ['status'], ['show', keys[0]], ['diff', ...keys]]) {
      await run(args);
      await run(['--json', ...args]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await writeCodeCache('dist/cli.cjs', runQueryCommands);
for (const bundle of ['dist/vendor/pg.cjs', 'dist/vendor/kubernetes-client.cjs']) await writeCodeCache(bundle);
