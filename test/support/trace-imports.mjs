// Preloaded with `node --import` by the loading tests: writes every module the CLI loaded to $SHIPLOG_TRACE_FILE,
// one a line, so a test can tell which packages, bundle files and built-ins a command really loaded: files as
// file: URLs (ES modules through a resolve hook, CommonJS through require's resolver), and at exit Node's public
// built-in modules as node:NAME.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const traceFile = process.env.SHIPLOG_TRACE_FILE;
register('./trace-imports-hooks.mjs', import.meta.url);

const Module = createRequire(import.meta.url)('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function traced(...args) {
  const resolved = resolveFilename.apply(this, args);
  if (isAbsolute(resolved)) appendFileSync(traceFile, `${pathToFileURL(resolved).href}\n`);
  return resolved;
};

process.on('exit', () => {
  const builtins = process.moduleLoadList.map((entry) => /^NativeModule (?!internal\/)(.+)$/.exec(entry)?.[1]).filter(Boolean);
  appendFileSync(traceFile, builtins.map((name) => `node:${name}\n`).join(''));
});
