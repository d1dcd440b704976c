import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cliEnv, runCli, type CliResult } from './support/cli.js';
import { execSql, snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { spawnSync } from 'node:child_process';

/** One line on stderr, nothing on stdout, the contract's exit code, no stack trace. */
function expectOneLineError(result: CliResult, exitCode: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describeEachStore('bad input on %s', (kind) => {
  let store: TestStore;
  let runningKey: string;
  let finishedKey: string;
  beforeAll(async () => {
    store = await createTestStore(kind);
    runningKey = (await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0'])).stdout.trim();
    finishedKey = (await runCli(['--db', store.spec, 'deploy', '--app', 'api', '--env', 'prod', '--version', '2.0.0'])).stdout.trim();
    await runCli(['--db', store.spec, 'finish', finishedKey, '--status', 'success']);
  });
  afterAll(async () => store.cleanup());

  const cases: [string, () => string[], number, RegExp][] = [
    ['an unknown option', () => ['history', '--bogus'], 2, /unknown option '--bogus'/],
    ['an unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/],
    ['a missing argument', () => ['show'], 2, /missing required argument/],
    ['a bad duration', () => ['deploy', '--app', 'web', '--env', 'dev', '--timeout', 'soon'], 2, /--timeout: 'soon' is not a duration/],
    ['a bad --since', () => ['history', '--since', 'the-other-day'], 2, /--since: 'the-other-day' is neither/],
    ['a zero --limit', () => ['history', '--limit', '0'], 2, /--limit: '0' is not a whole number/],
    ['a non-numeric --limit', () => ['history', '--limit', 'ten'], 2, /--limit/],
    ['an unknown status filter', () => ['history', '--status', 'done'], 2, /option '--status <status>' argument 'done' is invalid. Allowed choices are pending, running, success, failed, cancelled, timeout, stale; see 'shiplog history --help'$/],
    ['an unknown id', () => ['show', '999999'], 2, /no deployment 999999/],
    ['an unknown key', () => ['show', 'dep_NOPE'], 2, /no deployment dep_NOPE/],
    ['finish without --status', () => ['finish', runningKey], 2, /--status is required/],
    ['finish to a non-final status', () => ['finish', runningKey, '--status', 'running'], 2, /argument 'running' is invalid. Allowed choices are success, failed, cancelled; see 'shiplog finish --help'$/],
    ['finish on a final record', () => ['finish', finishedKey, '--status', 'failed'], 2, /already ended success; a final status never changes/],
    ['finish of an unknown deployment', () => ['finish', 'dep_GONE', '--status', 'success'], 2, /no deployment dep_GONE/],
    ['deploy without --app', () => ['deploy', '--env', 'prod'], 2, /--app is required/],
    ['deploy without --env', () => ['deploy', '--app', 'web'], 2, /--env is required/],
    ['an empty app name', () => ['deploy', '--app', '', '--env', 'prod'], 2, /--app is required/],
    ['an app name with a newline', () => ['deploy', '--app', 'we\nb', '--env', 'prod'], 2, /--app: .* is not a usable name/],
    ['a commit that is not a SHA', () => ['deploy', '--app', 'web', '--env', 'dev', '--commit', 'main'], 2, /--commit: 'main' is not a commit SHA/],
    ['a repo that is not OWNER/NAME', () => ['deploy', '--app', 'web', '--env', 'dev', '--repo', 'just-a-name'], 2, /--repo: 'just-a-name' is not OWNER\/NAME/],
    ['a zero --timeout on deploy', () => ['deploy', '--app', 'web', '--env', 'dev', '--timeout', '0', '--', 'true'], 2, /--timeout: '0' is no time at all/],
    ['a zero --timeout on rollback', () => ['rollback', '--app', 'api', '--env', 'prod', '--timeout', '0s'], 2, /--timeout: '0s' is no time at all/],
    ['a zero --timeout on poll', () => ['poll', '--all', '--timeout', '0'], 2, /--timeout: '0' is no time at all/],
    ['a zero --timeout on track', () => ['track', '--all', '--timeout', '0ms'], 2, /--timeout: '0ms' is no time at all/],
    ['a --timeout with a line break', () => ['deploy', '--app', 'web', '--env', 'dev', '--timeout', '5m\nrm'], 2, /--timeout: '5m\\u000arm' is not a duration/],
    ['a version with a newline', () => ['deploy', '--app', 'web', '--env', 'dev', '--version', '1.0\nforged line'], 2, /--version: '1\.0\\u000aforged line' holds a line break/],
    ['a version with a terminal escape', () => ['deploy', '--app', 'web', '--env', 'dev', '--version', '1.0\u001b[2J'], 2, /--version: '1\.0\\u001b\[2J' holds a line break or control character/],
    ['a version with spaces at its ends', () => ['deploy', '--app', 'web', '--env', 'dev', '--version', ' 1.0 '], 2, /--version: ' 1\.0 ' has spaces at its ends/],
    ['an empty version', () => ['deploy', '--app', 'web', '--env', 'dev', '--version', ''], 2, /--version is empty/],
    ['a key with a carriage return', () => ['deploy', '--app', 'web', '--env', 'dev', '--key', 'ci-42\r'], 2, /--key: 'ci-42\\u000d' holds a line break/],
    ['a key with a Unicode line separator', () => ['deploy', '--app', 'web', '--env', 'dev', '--key', 'ci\u2028-42'], 2, /--key: 'ci\\u2028-42' holds a line break/],
    ['an env name with a tab', () => ['deploy', '--app', 'web', '--env', 'pr\tod'], 2, /--env: 'pr\\u0009od' is not a usable name/],
    ['an app name with a bidirectional override', () => ['deploy', '--app', 'web\u202e', '--env', 'dev'], 2, /--app: 'web\\u202e' is not a usable name/],
    ['an operator with a newline', () => ['deploy', '--app', 'web', '--env', 'dev', '--operator', 'ci\nadmin'], 2, /--operator: .* holds a line break/],
    ['an image with a control character', () => ['deploy', '--app', 'web', '--env', 'dev', '--image', 'ghcr.io/acme/web:1\u0007'], 2, /--image: .* holds a line break or control character/],
    ['a commit with a newline', () => ['deploy', '--app', 'web', '--env', 'dev', '--commit', 'abc123\n'], 2, /--commit: 'abc123\\u000a' is not a commit SHA/],
    ['a repo that is a path', () => ['deploy', '--app', 'web', '--env', 'dev', '--repo', '../..'], 2, /--repo: '\.\.\/\.\.' is not OWNER\/NAME/],
    ['a repo with an empty name', () => ['deploy', '--app', 'web', '--env', 'dev', '--repo', 'acme/'], 2, /--repo: 'acme\/' is not OWNER\/NAME/],
    ['a repo owner starting with a dash', () => ['deploy', '--app', 'web', '--env', 'dev', '--repo', '-x/web'], 2, /--repo: '-x\/web' is not OWNER\/NAME/],
    ['a deploy message with a terminal escape', () => ['deploy', '--app', 'web', '--env', 'dev', '--message', 'fix\u001b[31m'], 2, /--message holds a control character/],
    ['a finish message with a terminal escape', () => ['finish', runningKey, '--status', 'success', '--message', 'ok\u001b]0;owned\u0007'], 2, /--message holds a control character/],
    ['a rollback --to with a newline', () => ['rollback', '--app', 'api', '--env', 'prod', '--to', '2.0.0\nx'], 2, /--to: .* holds a line break/],
    ['a rollback --message with a backspace', () => ['rollback', '--app', 'api', '--env', 'prod', '--message', 'why\u0008'], 2, /--message holds a control character/],
    ['a history --env filter with a newline', () => ['history', '--env', 'prod\n'], 2, /--env: 'prod\\u000a' is not a usable name/],
    ['a status --app filter with an escape', () => ['status', '--app', '\u001bweb'], 2, /--app: '\\u001bweb' is not a usable name/],
    ['a stats --env filter with a newline', () => ['stats', '--env', 'pr\nod'], 2, /--env: 'pr\\u000aod' is not a usable name/],
    ['two providers at once', () => ['deploy', '--app', 'web', '--env', 'dev', '--status-url', 'http://127.0.0.1:1/s', '--', 'true'], 2, /choose one provider/],
    ['a deploy command that does not exist', () => ['deploy', '--app', 'web', '--env', 'dev', '--', 'no-such-tool-xyz'], 2, /command not found/],
    ['a second active deployment', () => ['deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.1'], 4, /already has an active deployment/],
  ];

  it.each(cases)('%s: one line, the right exit code, the store unchanged', async (_name, args, exitCode, pattern) => {
    const before = await snapshot(store);
    expectOneLineError(await runCli(['--db', store.spec, ...args()]), exitCode, pattern);
    expect(await snapshot(store)).toEqual(before);
  });

  const badTuning: [string, NodeJS.ProcessEnv, () => string[], RegExp][] = [
    ['a zero lease', { SHIPLOG_LEASE_TTL: '0' }, () => ['poll', '--all'], /SHIPLOG_LEASE_TTL: '0' is no time at all/],
    ['a heartbeat that is not a number', { SHIPLOG_HEARTBEAT_MS: 'often' }, () => ['deploy', '--app', 'tuned', '--env', 'dev', '--', 'true'], /SHIPLOG_HEARTBEAT_MS: 'often' is not a whole number/],
    ['a zero heartbeat', { SHIPLOG_HEARTBEAT_MS: '0' }, () => ['poll', '--all'], /SHIPLOG_HEARTBEAT_MS: '0' is not a whole number/],
    ['a zero track scan', { SHIPLOG_TRACK_SCAN_MS: '0' }, () => ['track', '--all', '--follow'], /SHIPLOG_TRACK_SCAN_MS: '0' is not a whole number/],
  ];

  it.each(badTuning)('%s in a tuning variable: one line, exit 2, the store unchanged', async (_name, env, args, pattern) => {
    const before = await snapshot(store);
    expectOneLineError(await runCli(['--db', store.spec, ...args()], { env }), 2, pattern);
    expect(await snapshot(store)).toEqual(before);
  });

  it('with --json an error is one JSON object on stderr and stdout stays empty', async () => {
    const result = await runCli(['--db', store.spec, '--json', 'show', 'dep_NOPE']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no deployment dep_NOPE') } });
  });

  it('--verbose adds the cause to an error', async () => {
    const result = await runCli(['--db', store.spec, '--verbose', 'show', 'dep_NOPE']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/NotFoundError/);
  });
});

describe('stores that cannot be used', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shiplog-bad-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file that is not a SQLite database exits 5 and is left as it was', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are not the droids\n'.repeat(100));
    expectOneLineError(await runCli(['--db', path, 'history']), 5, /notes\.txt is not a usable shiplog store/);
    expect(spawnSync('cat', [path]).stdout.toString()).toBe('these are not the droids\n'.repeat(100));
  });

  it('a corrupt SQLite file exits 5', async () => {
    const path = join(dir, 'corrupt.db');
    await runCli(['--db', path, 'deploy', '--app', 'web', '--env', 'dev']);
    const bytes = Buffer.alloc(4096, 0xab);
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(path, 'r+');
    writeSync(fd, bytes, 0, bytes.length, 0);
    closeSync(fd);
    expectOneLineError(await runCli(['--db', path, 'history']), 5, /is not a usable shiplog store/);
  });

  it('a path below a file exits 5', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expectOneLineError(await runCli(['--db', join(file, 'shiplog.db'), 'deploy', '--app', 'web', '--env', 'dev']), 5, /cannot use .* as a store/);
  });

  it('a read-only directory exits 5 and creates nothing', async () => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(dir, 0o755);
    chmodSync(readOnly, 0o555);
    // root writes anywhere: run the CLI as an unprivileged user to meet the permission check for real.
    const asRoot = process.getuid?.() === 0;
    const argv = [...(asRoot ? ['runuser', '-u', 'nobody', '--'] : []), process.execPath, binPath, '--db', join(readOnly, 'shiplog.db'), 'deploy', '--app', 'web', '--env', 'dev'];
    const run = spawnSync(argv[0]!, argv.slice(1), { env: cliEnv(), encoding: 'utf8' });
    expectOneLineError({ code: run.status, signal: null, stdout: run.stdout, stderr: run.stderr }, 5, /cannot write the store at .*read-only\/shiplog\.db/);
    expect(spawnSync('ls', ['-A', readOnly]).stdout.toString()).toBe('');
  });

  it('a store from a newer shiplog exits 5 and is left untouched', async () => {
    const store: TestStore = { kind: 'sqlite', spec: join(dir, 'newer.db'), dir, cleanup: async () => undefined };
    await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'dev']);
    await execSql(store, `insert into shiplog_migrations (name, applied_at) values ('999_later', '2030-01-01T00:00:00.000Z')`);
    const before = await snapshot(store);
    expectOneLineError(await runCli(['--db', store.spec, 'deploy', '--app', 'api', '--env', 'dev']), 5, /written by a newer shiplog .*upgrade shiplog/);
    expect(await snapshot(store)).toEqual(before);
  });

  it('an unreachable PostgreSQL store exits 5 and never prints the password', async () => {
    const result = await runCli(['--db', 'postgres://deployer:hunter2secret@127.0.0.1:1/shiplog', 'history']);
    expectOneLineError(result, 5, /cannot reach the PostgreSQL store postgres:\/\/deployer:\*\*\*@127\.0\.0\.1:1\/shiplog/);
    expect(result.stderr).not.toContain('hunter2secret');
  });

  it('a PostgreSQL database that does not exist exits 5', async () => {
    const { inject } = await import('vitest');
    const admin = inject('postgresUrl');
    if (!admin) return;
    const url = new URL(admin);
    url.pathname = '/shiplog_no_such_database';
    expectOneLineError(await runCli(['--db', url.toString(), 'history']), 5, /does not exist/);
  });
});
