import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv, runCli } from './support/cli.js';
import { insertHistory } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { hasTool } from './support/tools.js';

// `shiplog` on PATH, as the completion script calls it: a wrapper around the built CLI.
const binDir = mkdtempSync(join(tmpdir(), 'shiplog-completion-'));
writeFileSync(join(binDir, 'shiplog'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
chmodSync(join(binDir, 'shiplog'), 0o755);
const env = cliEnv({ PATH: `${binDir}${delimiter}${process.env.PATH}`, XDG_DATA_HOME: binDir });

/**
 * What bash offers for the words typed so far, the cursor in the last one: the generated script sourced in a
 * real bash, COMP_WORDS and COMP_CWORD set as readline sets them, its function called, COMPREPLY printed.
 */
function complete(...words: string[]): string[] {
  const script = 'source <(shiplog completion bash) || exit 9; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _shiplog; printf "%s\\n" "${COMPREPLY[@]}"';
  const run = spawnSync('bash', ['-c', script, 'bash', 'shiplog', ...words], { env, encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter((line) => line !== '');
}

afterAll(() => rmSync(binDir, { recursive: true, force: true }));

describe('bash completion from the command tree', () => {
  it('offers the commands, not the hidden one the script itself calls', () => {
    expect(complete('de')).toEqual(['deploy']);
    const all = complete('');
    expect(all).toEqual(expect.arrayContaining(['deploy', 'history', 'rollback', 'completion', 'help']));
    expect(all).not.toContain('__complete');
  });

  it("offers a command's options, and the global ones before a command", () => {
    expect(complete('deploy', '--sup')).toEqual(['--supersede']);
    expect(complete('history', '--a')).toEqual(['--app', '--all']);
    expect(complete('rollback', '--kube')).toEqual(['--kubeconfig']);
    expect(complete('--js')).toEqual(['--json']);
  });

  it("offers an option's choices: --status, --from, the shells", () => {
    expect(complete('history', '--status', 'f')).toEqual(['failed']);
    expect(complete('finish', 'dep_X', '--status', '')).toEqual(['success', 'failed', 'cancelled']);
    expect(complete('import', '--from', '')).toEqual(['klepaas', 'sbkube', 'helm']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('finds the command past the global options and their values', () => {
    expect(complete('--db', '/tmp/x.db', '--json', 'history', '--st')).toEqual(['--status']);
    expect(complete('--db', '/tmp/x.db', 'status', '--app', 'web', '--e')).toEqual(['--env']);
  });

  it('offers nothing after -- in deploy: those words are the deploy command', () => {
    expect(complete('deploy', '--app', 'web', '--', '--')).toEqual([]);
  });
});

describeEachStore('bash completion of names from the store on %s', (kind) => {
  let store: TestStore;
  let keys: string[];
  beforeAll(async () => {
    store = await createTestStore(kind);
    const start = Date.parse('2026-11-01T00:00:00Z');
    await insertHistory(store.spec, [
      { app: 'web', env: 'prod', status: 'success', createdAt: new Date(start) },
      { app: 'api', env: 'staging', status: 'success', createdAt: new Date(start + 60_000) },
      { app: 'web', env: 'staging', status: 'failed', createdAt: new Date(start + 120_000) },
    ]);
    const listed = await runCli(['--db', store.spec, '--json', 'history'], { env });
    keys = (JSON.parse(listed.stdout) as { key: string }[]).map((d) => d.key);
  });
  afterAll(async () => store.cleanup());

  it('offers the app and environment names recorded in the store named by --db', () => {
    expect(complete('--db', store.spec, 'deploy', '--app', '')).toEqual(['api', 'web']);
    expect(complete('--db', store.spec, 'history', '--app', 'w')).toEqual(['web']);
    expect(complete('rollback', '--db', store.spec, '--env', 'st')).toEqual(['staging']);
  });

  it('offers the recent keys, newest first, for ids and --to', () => {
    expect(complete('--db', store.spec, 'show', '')).toEqual(keys);
    expect(complete('--db', store.spec, 'diff', keys[0]!, keys[1]!)).toEqual([keys[1]]);
    expect(complete('--db', store.spec, 'rollback', '--to', '')).toEqual(keys);
  });

  it.skipIf(!hasTool('fish'))('fish offers the same names, asked with complete -C', async () => {
    const file = join(store.dir, 'shiplog.fish');
    writeFileSync(file, (await runCli(['completion', 'fish'], { env })).stdout);
    const run = spawnSync('fish', ['-c', `source ${file}; complete -C 'shiplog --db ${store.spec} status --app '`], { env, encoding: 'utf8' });

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean).map((line) => line.split('\t')[0])).toEqual(['api', 'web']);
  });

  it('reads $SHIPLOG_DB when no --db is typed', () => {
    const run = spawnSync('bash', ['-c', 'source <(shiplog completion bash); COMP_WORDS=(shiplog status --app ""); COMP_CWORD=3; _shiplog; printf "%s\\n" "${COMPREPLY[@]}"'], {
      env: { ...env, SHIPLOG_DB: store.spec },
      encoding: 'utf8',
    });
    expect(run.stdout.split('\n').filter(Boolean)).toEqual(['api', 'web']);
  });
});

describe('shiplog __complete, which the scripts call', () => {
  it('prints nothing and exits 0 for a store that does not exist, and does not create it', async () => {
    const missing = join(binDir, 'missing.db');
    const result = await runCli(['__complete', 'apps', '--db', missing], { env });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
    expect(existsSync(missing)).toBe(false);
  });

  it('prints nothing and exits 0 for a store it cannot read', async () => {
    const notAStore = join(binDir, 'shiplog');
    const result = await runCli(['__complete', 'keys', '--db', notAStore], { env });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });
});

describe('zsh and fish completion scripts', () => {
  it.skipIf(!hasTool('zsh'))('the zsh script passes zsh -n and registers _shiplog', async () => {
    const script = (await runCli(['completion', 'zsh'], { env })).stdout;
    const check = spawnSync('zsh', ['-n'], { input: script, encoding: 'utf8' });

    expect(check.status, check.stderr).toBe(0);
    expect(script).toContain('compdef _shiplog shiplog');
    expect(script).toContain("'--status[only this status]:status:(pending running success failed cancelled timeout stale)'");
  });

  it.skipIf(!hasTool('fish'))('the fish script passes fish --no-execute and completes --from', async () => {
    const script = (await runCli(['completion', 'fish'], { env })).stdout;
    const file = join(binDir, 'shiplog.fish');
    writeFileSync(file, script);
    const check = spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' });

    expect(check.status, check.stderr).toBe(0);
    expect(script).toContain("complete -c shiplog -n '__fish_seen_subcommand_from import' -l from -x -a 'klepaas sbkube helm'");
  });
});
