'use strict';
// Loads the CommonJS bundles in dist/ with V8's code cache: the compiled form of their code, written beside each
// bundle at build time, so a command starts without parsing and compiling the code it runs. Node 20 has no
// compile cache of its own (module.enableCompileCache came in Node 22). A cache is written for the Node version
// and architecture that built it; under any other, or when V8 refuses it (other V8 flags), the bundle is compiled
// as without one. Under --enable-source-maps, Node's own loader runs the bundles, since it alone maps stack traces
// to src/ (vm.Script does not on Node 20): a slower start, with the traces that flag is for.
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, resolve } = require('node:path');
const vm = require('node:vm');

const distDir = resolve(__dirname, '..', 'dist');

function cachePathOf(bundle) {
  return `${bundle}.${process.version}-${process.arch}.cache`;
}

function readCache(bundle) {
  try {
    return readFileSync(cachePathOf(bundle));
  } catch {
    return undefined;
  }
}

/** The scripts compiled so far, by file name, so the build can ask each for its cache after running it. */
const compiled = new Map();

function compile(filename) {
  const script = new vm.Script(Module.wrap(readFileSync(filename, 'utf8')), { filename, cachedData: readCache(filename) });
  compiled.set(filename, script);
  return script;
}

/** Compiles and runs a bundle as Node's CommonJS loader would, with the cache when there is one. */
function loadBundle(module, filename) {
  const script = compiled.get(filename) ?? compile(filename);
  const wrapper = script.runInThisContext();
  wrapper.call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
}

/** From here on, require() of a bundle in dist/ uses its code cache. */
function useCodeCache() {
  if (process.sourceMapsEnabled) return;
  const loadJs = Module._extensions['.js'];
  Module._extensions['.cjs'] = (module, filename) => {
    if (dirname(filename) === distDir || dirname(filename) === resolve(distDir, 'vendor')) {
      loadBundle(module, filename);
    } else {
      loadJs(module, filename);
    }
  };
}

/**
 * Compiles a bundle now and runs it when it is required, so that the event loop can turn in between: a
 * PostgreSQL connection started before then goes on with its handshake and first query meanwhile.
 */
function compileAhead(bundle) {
  if (!process.sourceMapsEnabled) compile(resolve(bundle));
}

/**
 * Runs a bundle's top level, then `exercise` with its exports, and writes the code compiled by then as its cache:
 * the cache holds the functions V8 compiled, and a function runs sooner from the cache than compiled on first call.
 */
async function writeCodeCache(bundle, exercise = async () => undefined) {
  const filename = resolve(bundle);
  useCodeCache();
  await exercise(Module.createRequire(filename)(filename));
  writeFileSync(cachePathOf(filename), compiled.get(filename).createCachedData());
}

module.exports = { compileAhead, useCodeCache, writeCodeCache };
