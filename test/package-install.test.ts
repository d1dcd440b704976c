import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv } from './support/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'shiplog-package-'));
const prefix = join(dir, 'prefix');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The packed tarball of this checkout (dist/ as `npm test` built it), installed globally into a scratch prefix. */
function installPackedTarball(): string {
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' })) as { filename: string }[];
  // From the npm cache `npm ci` filled where it can (the registry only for what it lacks). Install scripts are
  // off: better-sqlite3's would compile SQLite again, a minute or more of CPU that says nothing about this
  // package; its addon is the one this checkout built, for the same version of it.
  execFileSync(npm, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, packed[0]!.filename)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const installed = join(prefix, 'lib', 'node_modules', 'shiplog', 'node_modules', 'better-sqlite3');
  const version = (path: string) => (JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { version: string }).version;
  const built = join(root, 'node_modules', 'better-sqlite3');
  expect(version(installed)).toBe(version(built));
  execFileSync('mkdir', ['-p', join(installed, 'build', 'Release')]);
  copyFileSync(join(built, 'build', 'Release', 'better_sqlite3.node'), join(installed, 'build', 'Release', 'better_sqlite3.node'));
  return join(prefix, 'lib', 'node_modules', 'shiplog');
}

describe('the npm package', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs from its tarball and runs from PATH: deploy, then history', { timeout: 600_000 }, () => {
    const installed = installPackedTarball();
    const env = cliEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, SHIPLOG_DB: join(dir, 'shiplog.db') });
    const shell = spawnSync('sh', ['-c', 'shiplog deploy --app web --env dev --version 1.2.3 -- node -e 0 && shiplog history'], { cwd: dir, env, encoding: 'utf8' });
    expect(shell.status, shell.stderr).toBe(0);
    expect(shell.stdout).toMatch(/web\s+dev\s+1\.2\.3\s+success/);
    // What dist/ bundles is not installed again: only the packages loaded at run time are.
    const dependencies = readdirSync(join(installed, 'node_modules'));
    for (const bundled of ['commander', 'kysely', 'pg', 'chalk', '@kubernetes']) expect(dependencies).not.toContain(bundled);
    expect(existsSync(join(installed, 'src'))).toBe(false);

    // The source maps ship: under --enable-source-maps a stack trace names the src/ line.
    const traced = spawnSync('shiplog', ['--verbose', '--db', join(dir, 'missing', 'shiplog.db'), 'history'], { cwd: dir, env: { ...env, NODE_OPTIONS: '--enable-source-maps' }, encoding: 'utf8' });
    expect(traced.stderr).toMatch(/at .*src\/db\/sqlite\.ts:\d+:\d+/);
  });
});
