import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { insertHistory } from './support/history-rows.js';
import { createTestStore, type TestStore } from './support/stores.js';

/** Durations are parsed before the store is asked anything, so one store kind shows every command accepts them. */
describe('Helm-style compound durations, end to end', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore('sqlite');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await insertHistory(store.spec, [
      { app: 'web', version: '1.0.0', status: 'success', createdAt: hourAgo, completedAt: hourAgo },
      { app: 'web', version: '1.1.0', status: 'success', createdAt: new Date(hourAgo.getTime() + 60_000), completedAt: new Date(hourAgo.getTime() + 60_000) },
    ]);
  });
  afterAll(async () => store.cleanup());

  it.each([
    ['deploy --timeout', ['deploy', '--app', 'job', '--env', 'dev', '--timeout', '1m30s', '--wait', '--', process.execPath, '-e', '']],
    ['history --since', ['history', '--since', '1h30m']],
    ['stats --since', ['stats', '--since', '1d12h']],
    ['cleanup --stale, --window, --prune-older-than', ['cleanup', '--stale', '1h0m0s', '--duplicates', '--window', '1m30s', '--prune-older-than', '1w2d', '--keep', '5']],
    ['poll --interval and --timeout', ['poll', '--all', '--interval', '0m10s', '--timeout', '5m0s']],
    ['track --timeout', ['track', '--all', '--timeout', '2m30s']],
    ['rollback --timeout', ['rollback', '--app', 'web', '--env', 'prod', '--dry-run', '--timeout', '1h30m']],
  ])('%s: 1h30m, 5m0s and the like are accepted', async (_name, args) => {
    const result = await runCli(['--db', store.spec, ...args]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/is not a duration/);
  });

  it('the tuning variables take them too', async () => {
    const result = await runCli(['--db', store.spec, 'poll', '--all'], { env: { SHIPLOG_REQUEST_TIMEOUT: '0m45s', SHIPLOG_LEASE_TTL: '1m30s', SHIPLOG_POLL_BACKOFF_CAP: '2m0s' } });

    expect(result.code, result.stderr).toBe(0);
  });

  it('a compound duration out of order is refused, naming the option', async () => {
    const result = await runCli(['--db', store.spec, 'history', '--since', '30m1h']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--since: '30m1h' is neither a duration/);
  });
});
