import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { ago, days, insertHistory, linkRollback, minutes } from './support/history-rows.js';
import { parseOpenMetrics, type ParsedFamily } from './support/openmetrics.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { hasTool } from './support/tools.js';

function family(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(', ')}`);
  return found;
}

/** The value of the one sample of `name` whose labels include `labels`. */
function value(families: ParsedFamily[], name: string, labels: Record<string, string>): number {
  const matches = families.flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(matches, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return matches[0]!.value;
}

describeEachStore('stats --format openmetrics on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  it.skipIf(!hasTool('prometheus_client'))('prints DORA keys and per app/env counters that the reference parser reads back', async () => {
    // Every time from one clock reading: two readings a millisecond apart made the 40-minute outage 2400.001 s.
    const now = Date.now();
    const before = (ms: number) => new Date(now - ms);
    const lastSuccess = before(days(1));
    const ids = await insertHistory(store.spec, [
      { status: 'success', createdAt: before(days(60)), completedAt: before(days(60)) },
      { status: 'success', createdAt: before(days(20)), completedAt: before(days(20)) },
      { status: 'failed', createdAt: before(days(10) + minutes(30)), completedAt: before(days(10) + minutes(30)) },
      { status: 'success', createdAt: before(days(10)), completedAt: before(days(10)) },
      { status: 'success', isRollback: true, createdAt: before(days(10) - minutes(10)), completedAt: before(days(10) - minutes(10)) },
      { status: 'success', createdAt: lastSuccess, completedAt: lastSuccess },
      { status: 'timeout', createdAt: before(minutes(50)) },
      { status: 'cancelled', app: 'api', createdAt: before(days(2)), completedAt: before(days(2)) },
      { status: 'running', app: 'api', createdAt: before(minutes(5)), completedAt: null },
      { status: 'success', env: 'staging', createdAt: before(days(3)), completedAt: before(days(3)) },
    ]);
    await linkRollback(store.spec, ids[3]!, ids[4]!);

    const result = await runCli(['--db', store.spec, 'stats', '--format', 'openmetrics', '--env', 'prod']);

    expect(result.code, result.stderr).toBe(0);
    const families = parseOpenMetrics(result.stdout);
    expect(family(families, 'shiplog_deployments').type).toBe('counter');
    expect(value(families, 'shiplog_deployments_total', { app: 'web', env: 'prod', status: 'success' })).toBe(5);
    expect(value(families, 'shiplog_deployments_total', { app: 'web', env: 'prod', status: 'failed' })).toBe(1);
    expect(value(families, 'shiplog_deployments_total', { app: 'api', env: 'prod', status: 'cancelled' })).toBe(1);
    // --env filters the counters too: staging's success is not there.
    expect(families.flatMap((f) => f.samples).some((s) => s.labels.env === 'staging')).toBe(false);
    expect(value(families, 'shiplog_unresolved_deployments', { app: 'web', env: 'prod' })).toBe(1);
    expect(value(families, 'shiplog_active_deployments', { app: 'api', env: 'prod' })).toBe(1);
    expect(family(families, 'shiplog_last_success_timestamp_seconds')).toMatchObject({ type: 'gauge', unit: 'seconds' });
    expect(value(families, 'shiplog_last_success_timestamp_seconds', { app: 'web', env: 'prod' })).toBeCloseTo(lastSuccess.getTime() / 1000, 2);
    // Over the default 30 days: three changes succeeded (the rollback is not one), one failed, one was rolled back.
    expect(value(families, 'shiplog_dora_deployments_per_day', { env: 'prod' })).toBeCloseTo(3 / 30, 3);
    expect(family(families, 'shiplog_dora_change_failure_ratio').unit).toBe('ratio');
    expect(value(families, 'shiplog_dora_change_failure_ratio', { env: 'prod' })).toBeCloseTo(2 / 4, 3);
    expect(value(families, 'shiplog_dora_time_to_restore_seconds', { env: 'prod' })).toBe(40 * 60);
    expect(value(families, 'shiplog_dora_window_seconds', { env: 'prod' })).toBe(30 * 86_400);
    expect(family(families, 'shiplog_dora')).toMatchObject({ type: 'info' });
    expect(value(families, 'shiplog_dora_info', { env: 'prod', key: 'deployment_frequency' })).toBe(1);
    // No commit times here: lead time is left out rather than given as a number.
    expect(family(families, 'shiplog_dora_lead_time_seconds').samples).toEqual([]);
  });

  it.skipIf(!hasTool('prometheus_client'))('escapes label values the store may hold', async () => {
    const app = 'we"b\\one';
    await insertHistory(store.spec, [{ status: 'success', app, createdAt: ago(days(1)), completedAt: ago(days(1)) }]);

    const result = await runCli(['--db', store.spec, 'stats', '--format', 'openmetrics']);

    expect(result.code, result.stderr).toBe(0);
    expect(value(parseOpenMetrics(result.stdout), 'shiplog_deployments_total', { app, status: 'success' })).toBe(1);
  });

  it.skipIf(!hasTool('prometheus_client'))('is valid on an empty store', async () => {
    await insertHistory(store.spec, []);

    const result = await runCli(['--db', store.spec, 'stats', '--format', 'openmetrics']);

    expect(result.code, result.stderr).toBe(0);
    expect(family(parseOpenMetrics(result.stdout), 'shiplog_deployments').samples).toEqual([]);
  });

  it('refuses an unknown format, and --json with openmetrics, in one line', async () => {
    const cases: [string[], string][] = [
      [['stats', '--format', 'xml'], "'xml' is not a format"],
      [['--json', 'stats', '--format', 'openmetrics'], '--json and --format openmetrics'],
    ];
    for (const [args, says] of cases) {
      const result = await runCli(['--db', store.spec, ...args]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(says);
    }
  });
});
