// Writes the V8 code cache beside each bundle in dist/ (bin/code-cache.js), run by scripts/build.mjs in a process
// of its own after the bundles are built.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { writeCodeCache } from '../bin/code-cache.js';
import { fakeDeploymentKeys, startFakePostgresServer } from './fake-postgres-server.mjs';

/**
 * What a bundle's cache is made from: commands run once on a scratch store, their output captured. `beforeEach`
 * does what bin/shiplog.js does before it loads a bundle.
 */
function commandRunner(main, db, beforeEach = () => undefined) {
  return async (args) => {
    let printed = '';
    let complaint = '';
    const streams = { stdout: { write: (text) => ((printed += text), true) }, stderr: { write: (text) => ((complaint += text), true) } };
    beforeEach();
    if ((await main(['--db', db, ...args], {}, streams)) !== 0) throw new Error(`shiplog --db ${db} ${args.join(' ')} failed while building the code cache: ${complaint}`);
    return printed;
  };
}

/** Each query command, in text and in JSON, so the code they run is compiled in the cache rather than on each start. */
async function runQueryCommands(run, [key, otherKey]) {
  for (const args of [['history', '--limit', '20'], ['history', '--app', 'web', '--env', 'prod'], ['status'], ['show', key], ['diff', key, otherKey]]) {
    await run(args);
    await run(['--json', ...args]);
  }
}

/** The names of shiplog's migrations, from src/db/migrations.ts itself: a store that has them all is current. */
async function migrationNames() {
  const { outputFiles } = await build({ entryPoints: ['src/db/migrations.ts'], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'warning' });
  const { migrations } = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].contents).toString('base64')}`);
  return migrations.map((migration) => migration.name);
}

const dir = mkdtempSync(join(tmpdir(), 'shiplog-build-'));
const db = join(dir, 'shiplog.db');
const keys = [];
const postgres = await startFakePostgresServer(await migrationNames());
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
  // The query bundle, on SQLite and on PostgreSQL (the stand-in server): the pg driver, the pool and kysely's
  // PostgreSQL dialect that these runs load and compile are the very scripts whose caches are written below.
  await writeCodeCache('dist/query.cjs', async ({ main }) => {
    await runQueryCommands(commandRunner(main, db), keys);
    const { connectEarly } = createRequire(import.meta.url)('../dist/postgres-pool.cjs');
    await runQueryCommands(commandRunner(main, postgres.url, () => connectEarly(postgres.url)), fakeDeploymentKeys);
  });
} finally {
  await postgres.close();
  rmSync(dir, { recursive: true, force: true });
}
for (const bundle of ['dist/postgres-pool.cjs', 'dist/vendor/pg.cjs', 'dist/vendor/kubernetes-client.cjs']) await writeCodeCache(bundle);
