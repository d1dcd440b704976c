// Bundles src/ into dist/ with esbuild. One bundle with code splitting: the CLI entry holds commander and
// the light modules; each command, the store and each provider is a chunk loaded on first use. Native and
// heavy packages stay external and load only in the commands that import them. The Kubernetes client is the
// exception: as its own 967 ES modules it takes ~1.2 s of CPU and ~70 MB to load; bundled and tree-shaken into
// the chunk only the Kubernetes provider loads, ~0.3 s and ~25 MB (track's 150 MB goal depends on it).
import { readFileSync } from 'node:fs';
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
 * env-ci (which CI system runs shiplog, src/ci-env.ts) runs `git` through execa when a system's variables lack the
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

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { SHIPLOG_VERSION: JSON.stringify(version) },
  // pg is bundled too: as its own CommonJS files it costs ~110 ms of CPU to load on Node 20, bundled with the
  // stream module below ~40 ms, in the PostgreSQL store's chunk only.
  // ora (the single-deployment spinner) stays a package of its own: it loads only when a terminal shows progress,
  // and the lazy-loading test can see from its node_modules path that a CI run never loads it.
  external: ['better-sqlite3', 'pg-native', 'axios', 'ora'],
  plugins: [nodeOnlyPgStream, envCiWithoutGit],
  // Bundled CommonJS (commander) calls require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __shiplogRequire } from 'node:module'; const require = __shiplogRequire(import.meta.url);" },
});
