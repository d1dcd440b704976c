// `npm run bench`: bundles each bench/*.bench.ts (with the fixtures it imports) into .bench/ and runs them one
// after another, each in its own process so one's memory does not colour the next. `npm run bench -- NAME`
// runs only the benches whose file name contains NAME. Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

const only = process.argv[2];
const benches = readdirSync('bench').filter((name) => name.endsWith('.bench.ts') && (!only || name.includes(only))).sort();
await build({
  entryPoints: benches.map((name) => `bench/${name}`),
  outdir: '.bench',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n== ${name.replace(/\.bench\.ts$/, '')}\n`);
  const result = spawnSync(process.execPath, [`.bench/${name.replace(/\.ts$/, '.mjs')}`], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
