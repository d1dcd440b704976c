// Preloaded with `node --require` by the loading tests: at exit, writes every built-in module the process loaded
// to $SHIPLOG_BUILTINS_FILE, one a line, Node's internal ones too (internal/streams/writable, …), which no
// require or import hook sees. CommonJS and fs alone, so the preload itself loads nothing a test looks for.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const builtins = process.moduleLoadList.map((entry) => /^NativeModule (.+)$/.exec(entry)?.[1]).filter(Boolean);
  writeFileSync(process.env.SHIPLOG_BUILTINS_FILE, builtins.map((name) => `${name}\n`).join(''));
});
