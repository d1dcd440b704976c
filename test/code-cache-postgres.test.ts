import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * Runs a script on a bundle (`filename`) in a node of its own: V8 keeps what one process compiled and would
 * answer a second compile of the same bundle from that instead of from the cache file.
 */
function inFreshNode(script: string, bundle: string, ...args: string[]): string {
  const prelude = "const { readFileSync } = require('node:fs'); const Module = require('node:module'); const vm = require('node:vm'); const filename = process.argv[1];";
  return execFileSync(process.execPath, ['-e', `${prelude}\n${script}`, bundle, ...args], { encoding: 'utf8' });
}

/** The size of the cache the build would write had nothing run but the bundle's top level. */
function topLevelCacheSize(bundle: string): number {
  return Number(
    inFreshNode(
      `const script = new vm.Script(Module.wrap(readFileSync(filename, 'utf8')), { filename });
       const module = { exports: {} };
       script.runInThisContext().call(module.exports, module.exports, Module.createRequire(filename), module, filename, require('node:path').dirname(filename));
       process.stdout.write(String(script.createCachedData().length));`,
      bundle,
    ),
  );
}

describe('the code cache covers the PostgreSQL path, which the build runs against a stand-in server', () => {
  // The build's cache writer runs the query commands on a PostgreSQL store, so the driver's connection, protocol
  // and result parsing, and the pool's, are compiled into their caches; without that run a cache holds little
  // more than the top level, and every PostgreSQL command compiles them at its start.
  it.each(['vendor/pg.cjs', 'postgres-pool.cjs'])('%s: V8 takes the cache, and it holds far more than the top level', (file) => {
    const bundle = `${distDir}${file}`;
    const cacheFile = `${bundle}.${process.version}-${process.arch}.cache`;
    const rejected = inFreshNode(
      `const script = new vm.Script(Module.wrap(readFileSync(filename, 'utf8')), { filename, cachedData: readFileSync(process.argv[2]) });
       process.stdout.write(String(script.cachedDataRejected));`,
      bundle,
      cacheFile,
    );
    expect(rejected).toBe('false');
    expect(statSync(cacheFile).size).toBeGreaterThan(1.5 * topLevelCacheSize(bundle));
  });
});
