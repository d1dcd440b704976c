// `npm run bench`: bundles each bench/*.bench.ts (with the fixtures it imports) into .bench/ and runs them one
// after another, each in its own process so one's memory does not colour the next. `npm run bench -- NAME`
// runs only the benches whose file name contains NAME, or the one file NAME when it ends in .bench.ts.
//
// Smoke mode, `SHIPLOG_BENCH_SMOKE=1 npm run bench`: each bench runs at a tiny size, in seconds, and checks no
// goal, only that it runs end to end and measures something right (bench/support/smoke.ts). `npm test` runs every
// bench this way through this script (test/benches.test.ts), so a bench broken by a change under it fails the suite.
// In smoke mode a bench's PostgreSQL half uses SHIPLOG_BENCH_PG_URL only (the test sets it to its run's server)
// and is skipped, saying so, without it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

const only = process.argv[2];
const benches = readdirSync('bench')
  .filter((name) => name.endsWith('.bench.ts') && (!only || (only.endsWith('.bench.ts') ? name === only : name.includes(only))))
  .sort();
if (benches.length === 0) {
  process.stderr.write(`no bench matches ${only}; the benches are bench/*.bench.ts\n`);
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: benches.map((name) => `bench/${name}`),
  outdir: '.bench',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The benches import src/ as the CLI bundle (CommonJS, scripts/build.mjs) holds it, and src/ resolves
  // packages as CommonJS does (require.resolve of the SQLite addon, src/db/sqlite-library.ts). An ES-module
  // bundle has no `require` of its own; this gives it Node's, resolving from .bench/ as dist/ resolves.
  banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
  define: { SHIPLOG_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n== ${name.replace(/\.bench\.ts$/, '')}\n`);
  const result = spawnSync(process.execPath, [`.bench/${name.replace(/\.ts$/, '.mjs')}`], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
