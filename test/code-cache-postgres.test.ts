import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * In a node of its own, for a bundle and its cache file: whether V8 takes that cache, and the size of the cache the
 * build would write had nothing run but the bundle's top level. That second compile is of the source one newline
 * longer: V8 would answer the same source from the script it has just deserialized, with all the cache holds.
 */
const probe = `
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');
const [filename, cacheFile] = process.argv.slice(1);
const source = Module.wrap(readFileSync(filename, 'utf8'));
const cached = new vm.Script(source, { filename, cachedData: readFileSync(cacheFile) });
const topLevel = new vm.Script(source + '\\n', { filename });
const module = { exports: {} };
topLevel.runInThisContext().call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
process.stdout.write(JSON.stringify({ rejected: cached.cachedDataRejected, topLevelSize: topLevel.createCachedData().length }));
`;

describe('the code cache covers the PostgreSQL path, which the build runs against a stand-in server', () => {
  // The build's cache writer runs the query commands on a PostgreSQL store, so the driver's connection, protocol
  // and result parsing, and the pool's, are compiled into their caches; without that run a cache holds little
  // more than the top level, and every PostgreSQL command compiles them at its start.
  it.each(['vendor/pg.cjs', 'postgres-pool.cjs'])('%s: V8 takes the cache, and it holds far more than the top level', (file) => {
    const bundle = `${distDir}${file}`;
    const cacheFile = `${bundle}.${process.version}-${process.arch}.cache`;
    const { rejected, topLevelSize } = JSON.parse(execFileSync(process.execPath, ['-e', probe, bundle, cacheFile], { encoding: 'utf8' })) as { rejected: boolean; topLevelSize: number };
    expect(rejected).toBe(false);
    expect(statSync(cacheFile).size).toBeGreaterThan(1.5 * topLevelSize);
  });
});
