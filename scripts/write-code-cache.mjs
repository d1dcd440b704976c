// Writes the V8 code cache beside each bundle in dist/ (bin/code-cache.js), run by scripts/build.mjs in a process
// of its own after the bundles are built.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCodeCache } from '../bin/code-cache.js';

/** What a bundle's cache is made from: commands run once on a scratch SQLite store, their output captured. */
function commandRunner(main, db) {
  return async (args) => {
    let printed = '';
    const streams = { stdout: { write: (text) => ((printed += text), true) }, stderr: { write: () => true } };
    if ((await main(['--db', db, ...args], {}, streams)) !== 0) throw new Error(`shiplog ${args.join(' ')} failed while building the code cache`);
    return printed;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'shiplog-build-'));
const db = join(dir, 'shiplog.db');
const keys = [];
try {
  // The whole CLI: two deployments recorded and finished, which the query commands then read.
  await writeCodeCache('dist/cli.cjs', async ({ main }) => {
    const run = commandRunner(main, db);
    for (const version of ['1.0.0', '1.0.1']) {
      const { key } = JSON.parse(await run(['--json', 'deploy', '--app', 'web', '--env', 'prod', '--version', version]));
      await run(['finish', key, '--status', 'success']);
      keys.push(key);
    }
  });
  // The query bundle: each query command, in text and in JSON, so the code they run is compiled in the cache
  // rather than on each start.
  await writeCodeCache('dist/query.cjs', async ({ main }) => {
    const run = commandRunner(main, db);
    for (const args of [['history', '--limit', '20'], ['history', '--app', 'web', '--env', 'prod'], ['status'], ['show', keys[0]], ['diff', ...keys]]) {
      await run(args);
      await run(['--json', ...args]);
    }
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const bundle of ['dist/postgres-pool.cjs', 'dist/vendor/pg.cjs', 'dist/vendor/kubernetes-client.cjs']) await writeCodeCache(bundle);
