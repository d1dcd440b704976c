import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Stats } from '../src/commands/stats.js';
import { runCli, runCliJson } from './support/cli.js';
import { ago, days, insertHistory, linkRollback, minutes } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

describeEachStore('stats on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it('measures frequency, failure rate and time to restore from the history of one environment', async () => {
    // Every time from one clock reading, so the outages' lengths are exact to the millisecond.
    const now = Date.now();
    const before = (ms: number) => new Date(now - ms);
    const success = (dayAgo: number) => ({ status: 'success' as const, createdAt: before(days(dayAgo)), completedAt: before(days(dayAgo) - minutes(2)) });
    const failedAt = before(days(10));
    const ids = await insertHistory(store.spec, [
      ...[28, 25, 21, 18, 14, 12].map(success),
      { status: 'failed', createdAt: new Date(failedAt.getTime() - minutes(2)), completedAt: failedAt },
      { status: 'success', createdAt: failedAt, completedAt: new Date(failedAt.getTime() + minutes(30)) },
      { status: 'success', createdAt: before(days(5)), completedAt: before(days(5) - minutes(1)) },
      { status: 'success', isRollback: true, createdAt: before(days(5) - minutes(5)), completedAt: before(days(5) - minutes(11)) },
      { status: 'cancelled', createdAt: before(days(3)), completedAt: before(days(3)) },
      { status: 'success', createdAt: before(days(40)), completedAt: before(days(40)) },
      { status: 'failed', env: 'staging', createdAt: before(days(2)), completedAt: before(days(2)) },
    ]);
    // The ninth row succeeded and was rolled back by the tenth.
    await linkRollback(store.spec, ids[8]!, ids[9]!);

    const { result, json } = await runCliJson<Stats>(['--db', store.spec, 'stats', '--env', 'prod']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.deployments).toEqual({ total: 11, success: 9, failed: 1, cancelled: 1, unresolved: 0, rollbacks: 1 });
    expect(json.deploymentFrequency).toMatchObject({ successful: 8, tier: 'high' });
    expect(json.deploymentFrequency.perWeek).toBeCloseTo((8 / 30) * 7, 2);
    expect(json.changeFailureRate).toEqual({ changes: 9, failed: 1, rolledBack: 1, rate: 0.2222, tier: null });
    // Outages: 30 minutes after the failure, 10 minutes from the rolled-back success to its rollback.
    expect(json.timeToRestore).toEqual({ outages: 2, restored: 2, medianMs: minutes(20), tier: 'elite' });
  });

  it('counts a span that begins in the middle of a week exactly: that week\'s records before --since are left out', async () => {
    // Wednesday 4 March 2026 (UTC): its week began on Monday the 2nd. Weeks are counted ahead in the store, so the
    // week a span begins in must be counted from its records.
    const at = (time: string) => new Date(time);
    await insertHistory(store.spec, [
      { status: 'failed', createdAt: at('2026-03-01T12:00:00.000Z'), completedAt: at('2026-03-01T12:05:00.000Z') },
      { status: 'failed', createdAt: at('2026-03-02T08:00:00.000Z'), completedAt: at('2026-03-02T08:05:00.000Z') },
      { status: 'failed', createdAt: at('2026-03-03T23:59:59.999Z'), completedAt: at('2026-03-04T00:05:00.000Z') },
      { status: 'success', createdAt: at('2026-03-04T00:00:00.000Z'), completedAt: at('2026-03-04T00:05:00.000Z') },
      { status: 'cancelled', createdAt: at('2026-03-06T10:00:00.000Z'), completedAt: at('2026-03-06T10:01:00.000Z') },
      { status: 'success', createdAt: at('2026-03-09T09:00:00.000Z'), completedAt: at('2026-03-09T09:05:00.000Z') },
      { status: 'failed', createdAt: at('2026-03-20T09:00:00.000Z'), completedAt: at('2026-03-20T09:05:00.000Z') },
    ]);

    const { result, json } = await runCliJson<Stats>(['--db', store.spec, 'stats', '--since', '2026-03-04']);
    const report = await runCliJson<{ deployments: number }>(['--db', store.spec, 'report', '--html', join(store.dir, 'report.html'), '--since', '2026-03-04']);

    expect(result.code, result.stderr).toBe(0);
    expect(json.deployments).toEqual({ total: 4, success: 2, failed: 1, cancelled: 1, unresolved: 0, rollbacks: 0 });
    expect(report.result.code, report.result.stderr).toBe(0);
    expect(report.json.deployments).toBe(4);
  });

  it('counts an outage that has not ended as not restored', async () => {
    await insertHistory(store.spec, [
      { status: 'success', createdAt: ago(days(3)), completedAt: ago(days(3)) },
      { status: 'failed', createdAt: ago(days(2)), completedAt: ago(days(2)) },
      { status: 'failed', createdAt: ago(days(1)), completedAt: ago(days(1)) },
    ]);

    const { json } = await runCliJson<Stats>(['--db', store.spec, 'stats', '--app', 'web', '--since', '7d']);

    expect(json.timeToRestore).toEqual({ outages: 1, restored: 0, medianMs: null, tier: null });
    expect(json.changeFailureRate.rate).toBeCloseTo(2 / 3, 3);
  });

  it('takes lead time from the commit times of the checkout it runs in', async () => {
    const repo = join(store.dir, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_COMMITTER_DATE: ago(minutes(180)).toISOString() },
      }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'change');
    const sha = git('rev-parse', 'HEAD');
    const deployed = await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--commit', sha, '--', 'true']);
    expect(deployed.code, deployed.stderr).toBe(0);
    await runCli(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--commit', 'abcdef0', '--', 'true']);

    const inside = await runCliJson<Stats>(['--db', store.spec, 'stats', '--env', 'prod'], { cwd: repo });
    const outside = await runCliJson<Stats>(['--db', store.spec, 'stats', '--env', 'prod'], { cwd: store.dir });

    expect(inside.json.leadTime).toMatchObject({ measured: 1, unknown: 1, tier: 'elite' });
    expect(inside.json.leadTime.note).toContain('abcdef0');
    expect(inside.json.leadTime.medianMs! / minutes(1)).toBeCloseTo(180, 0);
    expect(outside.json.leadTime).toMatchObject({ medianMs: null, measured: 0, unknown: 2, tier: null });
    expect(outside.json.leadTime.note).toContain('not a git checkout');
  });

  it('prints the four keys for a reader', async () => {
    await insertHistory(store.spec, [{ status: 'success', createdAt: ago(days(1)), completedAt: ago(days(1)) }]);

    const result = await runCli(['--db', store.spec, 'stats', '--env', 'prod']);

    expect(result.code).toBe(0);
    for (const key of ['deployment frequency', 'lead time for changes', 'change failure rate', 'time to restore']) {
      expect(result.stdout).toContain(key);
    }
  });

  it('refuses a --since that is neither a duration nor a date', async () => {
    const result = await runCli(['--db', store.spec, 'stats', '--since', 'last tuesday']);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
