// Bundles src/ into dist/ with esbuild, in the shape that starts fastest on Node 20 (issue 12):
// - dist/cli.cjs: one CommonJS bundle of the CLI, every command and the store. Node's CommonJS loader costs far
//   less than its ES-module loader, which resolved, linked and evaluated some twenty chunks before a query ran.
//   Modules a command reaches by `await import()` are wrapped to run only when first imported, so a command
//   still runs only its own code.
// - dist/query.cjs: the same CLI with only the query commands (src/config/bundle-choice.ts): some 40% fewer bytes to read
//   and compile at every start of the commands run most often. dist/bundle-choice.cjs tells bin/shiplog.js which
//   bundle a command line needs.
// - dist/vendor/*.cjs: the two heavy bundled libraries, each a file of its own that only the commands using it
//   require: the Kubernetes client (as its own 967 ES modules ~1.2 s of CPU and ~70 MB; tree-shaken to what
//   src/ imports, ~0.3 s and ~25 MB) and pg; and ora, which only a terminal showing progress needs.
// - a V8 code cache beside each bundle, for the Node version that built it (bin/code-cache.js reads it).
// - dist/version.cjs: the version alone, which `shiplog --version` prints before anything else loads.
// - dist/postgres-pool.cjs: the PostgreSQL connection pool, one for the process, which bin/shiplog.js starts
//   connecting before it loads a CLI bundle.
// better-sqlite3's JavaScript is bundled; its compiled addon and axios stay in node_modules: package.json's dependencies.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';

/**
 * pg's lib/stream.js asks at load time whether it runs in a Cloudflare Worker by constructing a `Response`. On
 * Node 20, which has no global `navigator`, that first touch of `Response` loads Node's whole fetch
 * implementation (undici): ~55 ms of CPU for every PostgreSQL command, whose connection is a plain socket.
 * This gives pg the Node half of that module, with the same exports.
 */
const nodeOnlyPgStream = {
  name: 'node-only-pg-stream',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, () => ({
      loader: 'js',
      contents: "module.exports = { getStream: () => new (require('net').Socket)(), getSecureStream: (options) => require('tls').connect(options) };\n",
    }));
  },
};

/**
 * pg requires node:crypto (and with it Web Crypto) when it loads, ~9 ms at every start, for what only password
 * authentication uses (md5 hashes, SCRAM's keys and random nonce); and dns for a lookup only some connections make.
 * A connection with trust or peer authentication needs neither: each loads on the first call that uses it. The
 * members pg calls are listed: a pg that calls another one fails the build here instead of at someone's login.
 */
const pgCryptoAndDnsOnUse = {
  name: 'pg-crypto-and-dns-on-use',
  setup(builder) {
    const used = { nodeCrypto: ['createHash'], webCrypto: ['getRandomValues'], subtleCrypto: ['digest', 'importKey', 'sign', 'deriveBits'], dns: ['lookup'] };
    const onUse = (module, names) => `{ ${names.map((name) => `${name}: (...args) => ${module}.${name}(...args)`).join(', ')} }`;
    const eagerLines = {
      'crypto/utils.js': {
        "const nodeCrypto = require('crypto')": `const nodeCrypto = ${onUse("require('crypto')", used.nodeCrypto)}`,
        'const webCrypto = nodeCrypto.webcrypto || globalThis.crypto': `const webCrypto = ${onUse("require('crypto').webcrypto", used.webCrypto)}`,
        'const subtleCrypto = webCrypto.subtle': `const subtleCrypto = ${onUse("require('crypto').webcrypto.subtle", used.subtleCrypto)}`,
      },
      'connection-parameters.js': { "const dns = require('dns')": `const dns = ${onUse("require('dns')", used.dns)}` },
    };
    builder.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/](crypto[\\/]utils|connection-parameters)\.js$/ }, async ({ path }) => {
      const review = `review ${builder.initialOptions.outfile}'s plugin ${pgCryptoAndDnsOnUse.name}`;
      let source = await readFile(path, 'utf8');
      const file = path.replace(/\\/g, '/').replace(/^.*\/pg\/lib\//, '');
      for (const [line, lazy] of Object.entries(eagerLines[file])) {
        if (!source.includes(line)) throw new Error(`${path} no longer has ${line}: ${review}`);
        source = source.replace(line, lazy);
      }
      for (const [, object, member] of source.matchAll(/\b(nodeCrypto|webCrypto|subtleCrypto|dns)\.(\w+)/g)) {
        if (!used[object].includes(member)) throw new Error(`${path} uses ${object}.${member}, which is not loaded on use: ${review}`);
      }
      return { loader: 'js', contents: source };
    });
  },
};

/**
 * commander requires child_process when it loads, for executable subcommands, which shiplog has none of; with it
 * come net, dgram and the stream family, some tenth of a bare node's start. This requires it on first use.
 */
const commanderChildProcessOnUse = {
  name: 'commander-child-process-on-use',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`${path} no longer requires child_process as ${eager}: review ${builder.initialOptions.outfile}'s plugin`);
      return { loader: 'js', contents: source.replace(eager, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };") };
    });
  },
};

/**
 * env-ci (which CI system runs shiplog, src/ci/environment.ts) runs `git` through execa when a system's variables lack the
 * commit or branch (Jenkins without GIT_COMMIT, CodeBuild, TeamCity) and outside any CI. shiplog takes only what
 * the environment says and never starts a process to learn it: for env-ci, execa is a stand-in whose execaSync
 * throws, which env-ci reads as "git could not tell". It also spares loading execa: ~30 ms of CPU.
 */
const envCiWithoutGit = {
  name: 'env-ci-without-git',
  setup(builder) {
    builder.onResolve({ filter: /^execa$/ }, (args) => (/[\\/]node_modules[\\/]env-ci[\\/]/.test(args.importer) ? { path: 'execa', namespace: 'no-git' } : undefined));
    builder.onLoad({ filter: /.*/, namespace: 'no-git' }, () => ({
      loader: 'js',
      contents: "export function execaSync() { throw new Error('shiplog runs no git to read CI details'); }\n",
    }));
  },
};

/**
 * chalk's module top level runs its own colour detection (its vendored supports-color), which asks tty.isatty and
 * os: loading tty loads net and Node's stream family, some 5 ms of every start even with stdout a pipe. shiplog
 * never uses that answer: every Chalk it makes is given its level (src/terminal/colour.ts decides colour). This
 * gives chalk a supports-color that detects nothing, so its default instances are colourless.
 */
const chalkWithoutColourDetection = {
  name: 'chalk-without-colour-detection',
  setup(builder) {
    builder.onResolve({ filter: /^#supports-color$/ }, (args) =>
      /[\\/]node_modules[\\/]chalk[\\/]/.test(args.importer) ? { path: 'supports-color', namespace: 'no-colour-detection' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'no-colour-detection' }, () => ({
      loader: 'js',
      contents: 'export default { stdout: false, stderr: false };\n',
    }));
  },
};

/** The packages bundled into a vendor file of their own, by the name of that file. */
const vendorFiles = { pg: 'pg', '@kubernetes/client-node': 'kubernetes-client', ora: 'ora' };
// `bindings` is how better-sqlite3 finds its addon when not told where it is; shiplog always tells it (src/db/sqlite-library.ts).
const runtimePackages = ['bindings', 'pg-native', 'axios'];

/**
 * src/db/postgres-pool.ts is a file of its own, dist/postgres-pool.cjs, which bin/shiplog.js loads first to
 * connect early: in the CLI bundles it is a require() of that file, so the process has one of it.
 */
const postgresPoolAsExternal = {
  name: 'postgres-pool-as-external',
  setup(builder) {
    builder.onResolve({ filter: /(^|\/)postgres-pool\.js$/ }, () => ({ path: './postgres-pool.cjs', external: true }));
  },
};

/** In the CLI bundle, a vendor package is a require() of its file. */
const vendorAsExternal = {
  name: 'vendor-as-external',
  setup(builder) {
    const filter = new RegExp(`^(${Object.keys(vendorFiles).map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    builder.onResolve({ filter }, ({ path }) => ({ path: `./vendor/${vendorFiles[path]}.cjs`, external: true }));
  },
};

/**
 * In the query bundle, the modules of the other commands are stand-ins: bin/shiplog.js never runs them from it
 * (src/config/bundle-choice.ts), and their code, with the providers and libraries it reaches, stays out of its bytes.
 */
function onlyCommands(modules) {
  return {
    name: 'only-commands',
    setup(builder) {
      builder.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, ({ path, importer }) => {
        const name = /([\w-]+)\.js$/.exec(path)[1];
        return /[\\/]src[\\/]cli\.ts$/.test(importer) && !modules.includes(name) ? { path: name, namespace: 'other-command' } : undefined;
      });
      builder.onLoad({ filter: /.*/, namespace: 'other-command' }, ({ path }) => ({
        loader: 'js',
        contents: `export function run() { throw new Error('shiplog ${path} is not in the query bundle: bin/shiplog.js loads dist/cli.cjs for it'); }\n`,
      }));
    },
  };
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // For --enable-source-maps: stack traces name src/ lines. The sources themselves stay out (half the bytes).
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  // Half the bytes to read and scan at each start; names stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // A bundle runs as a vm.Script (bin/code-cache.js), where import() has no loader: packages left external
  // (axios, better-sqlite3) are require()d, wrapped to resolve as import() would.
  supported: { 'dynamic-import': false },
};
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * What src/ uses of an ES-module vendor package, so its vendor file holds that and what it needs, as
 * tree-shaking did when it was bundled with the CLI. An ES-module build of src/ that leaves the package
 * external names exactly the bindings the code still uses; a namespace import means all of it.
 */
async function usedExports(packageName) {
  const result = await build({
    entryPoints: ['src/cli.ts'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: 'dist',
    write: false,
    logLevel: 'warning',
    define: { SHIPLOG_VERSION: JSON.stringify(version) },
    external: [...runtimePackages, ...Object.keys(vendorFiles)],
  });
  const names = new Set();
  const quoted = JSON.stringify(packageName).replace(/[/.]/g, '\\$&');
  for (const file of result.outputFiles) {
    if (new RegExp(`import\\s*\\*\\s*as\\s+\\w+\\s+from\\s*${quoted}`).test(file.text)) return '*';
    for (const [, list] of file.text.matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${quoted}`, 'g'))) {
      for (const binding of list.split(',')) {
        const name = binding.trim().split(/\s+as\s+/)[0];
        if (name) names.add(name);
      }
    }
  }
  return [...names].sort();
}

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/vendor', { recursive: true });

const kubernetesExports = await usedExports('@kubernetes/client-node');
await build({ ...common, sourcemap: false, entryPoints: ['src/config/bundle-choice.ts'], outfile: 'dist/bundle-choice.cjs' });
await build({ ...common, entryPoints: ['src/db/postgres-pool.ts'], outfile: 'dist/postgres-pool.cjs', external: runtimePackages, plugins: [vendorAsExternal] });
const { queryCommandModules } = createRequire(import.meta.url)('../dist/bundle-choice.cjs');
const cliBundle = {
  ...common,
  entryPoints: ['src/cli.ts'],
  define: { SHIPLOG_VERSION: JSON.stringify(version) },
  external: runtimePackages,
};
await Promise.all([
  build({ ...cliBundle, outfile: 'dist/cli.cjs', plugins: [postgresPoolAsExternal, vendorAsExternal, commanderChildProcessOnUse, envCiWithoutGit, chalkWithoutColourDetection] }),
  build({
    ...cliBundle,
    outfile: 'dist/query.cjs',
    plugins: [onlyCommands(Object.values(queryCommandModules)), postgresPoolAsExternal, vendorAsExternal, commanderChildProcessOnUse, envCiWithoutGit, chalkWithoutColourDetection],
  }),
  build({
    ...common,
    stdin: { contents: "module.exports = require('pg');\n", resolveDir: '.', sourcefile: 'vendor-pg.cjs' },
    outfile: 'dist/vendor/pg.cjs',
    external: ['pg-native'],
    plugins: [nodeOnlyPgStream, pgCryptoAndDnsOnUse],
  }),
  build({
    ...common,
    stdin: {
      contents: kubernetesExports === '*' ? "export * from '@kubernetes/client-node';\n" : `export { ${kubernetesExports.join(', ')} } from '@kubernetes/client-node';\n`,
      resolveDir: '.',
      sourcefile: 'vendor-kubernetes-client.mjs',
      loader: 'js',
    },
    outfile: 'dist/vendor/kubernetes-client.cjs',
    // Kept with esbuild's comment naming each bundled module: test/kubernetes-loading.test.ts reads them to check
    // which parts of the client a command loads.
    minifyWhitespace: false,
  }),
  // ora, the single-deployment spinner, is an ES module only: in a file of its own, required only when a terminal
  // shows progress.
  build({
    ...common,
    // Its default export is the module itself, which is what the CLI bundle's import of it takes as the default.
    stdin: { contents: "module.exports = require('ora').default;\n", resolveDir: '.', sourcefile: 'vendor-ora.cjs' },
    outfile: 'dist/vendor/ora.cjs',
  }),
]);
writeFileSync('dist/version.cjs', `module.exports = ${JSON.stringify(version)};\n`);
// In a process of its own, whose environment has no CI variables: the cache is made by running commands.
const cacheWriter = spawnSync(process.execPath, ['scripts/write-code-cache.mjs'], { stdio: 'inherit', env: { PATH: process.env.PATH ?? '', TMPDIR: tmpdir() } });
if (cacheWriter.status !== 0) throw new Error('writing the code cache failed');
