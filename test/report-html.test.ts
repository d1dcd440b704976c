import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { runCli, runCliJson } from './support/cli.js';
import { ago, days, insertHistory, linkRollback, minutes, type HistoryRow } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';
import { chromiumPath, hasTool } from './support/tools.js';

/** Where the screenshots go: gitignored, kept after the run for a reader (or CI) to look at. */
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const hostile = '</pre><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"> & "quoted"';

let browserDir: string | undefined;
let browser: BrowserContext;
/** The tests that open the page, in Debian's chromium: skipped where it is missing (test/support/tools.ts). */
const inBrowser = it.skipIf(!hasTool('chromium'));

beforeAll(async () => {
  if (!hasTool('chromium')) return;
  mkdirSync(artifacts, { recursive: true });
  browserDir = mkdtempSync(join(tmpdir(), 'shiplog-chromium-'));
  // Debian's chromium, as CI installs it; a fresh profile, and none of the browser's own calls home.
  browser = await chromium.launchPersistentContext(browserDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1100, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  if (browserDir) rmSync(browserDir, { recursive: true, force: true });
});

/** Opens the page and keeps every request it makes and every console error or page error it raises. */
async function open(file: string): Promise<{ page: Page; url: string; requests: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, url, requests, errors };
}

const span = (createdAt: Date, status: HistoryRow['status'], extra: Partial<HistoryRow> = {}): HistoryRow => ({
  status,
  createdAt,
  completedAt: status === 'timeout' ? null : new Date(createdAt.getTime() + minutes(3)),
  ...extra,
});

describeEachStore('report --html on %s, in a browser', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  inBrowser('shows what runs where, a timeline with its marks, the keys and their charts, and a hostile message as text', async () => {
    const ids = await insertHistory(store.spec, [
      span(ago(days(40)), 'success', { version: '0.9' }),
      span(ago(days(20)), 'success', { version: '1.0' }),
      span(ago(days(15)), 'success', { version: '1.1' }),
      span(ago(days(12)), 'failed', { version: '1.2' }),
      span(ago(days(11)), 'success', { version: '1.3' }),
      span(ago(days(11) - minutes(60)), 'success', { version: '1.1', isRollback: true }),
      span(ago(days(5)), 'success', { app: 'api', version: '2.0' }),
      span(ago(days(1)), 'timeout', { app: 'api', version: '2.1' }),
      span(ago(days(3)), 'success', { env: 'staging', version: '1.4' }),
      span(ago(days(2)), 'success', { env: 'staging', version: '1.5' }),
    ]);
    await linkRollback(store.spec, ids[4]!, ids[5]!);
    const hostileDeploy = await runCliJson(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'dev', '--version', '9.9', '--message', hostile, '--', process.execPath, '-e', '0']);
    expect(hostileDeploy.result.code, hostileDeploy.result.stderr).toBe(0);
    const file = join(store.dir, 'report.html');

    const made = await runCliJson<{ file: string; deployments: number; shown: number }>(['--db', store.spec, 'report', '--html', file]);

    expect(made.result.code, made.result.stderr).toBe(0);
    expect(made.json).toMatchObject({ file, deployments: 10, shown: 10 });
    const { page, url, requests, errors } = await open(file);
    try {
      expect(await page.locator('header .counts').getAttribute('data-total')).toBe('10');
      // The grid: four app/env pairs; a rollback runs in web/prod; api/prod has a record left unresolved.
      expect(await page.locator('td.cell[data-app]').count()).toBe(4);
      const webProd = page.locator('td.cell[data-app="web"][data-env="prod"]');
      expect(await webProd.locator('.version').textContent()).toBe('1.1');
      expect(await webProd.locator('.mark.rollback').count()).toBe(1);
      expect(await page.locator('td.cell[data-app="api"][data-env="prod"] .mark.unresolved').textContent()).toBe('⚠ 1 unresolved');
      // The timeline: one lane an environment, the 40-day-old deployment outside the default 30 days.
      const prod = page.locator('.lane[data-env="prod"]');
      expect(await prod.getAttribute('data-total')).toBe('7');
      expect(await prod.locator('a.point').count()).toBe(7);
      expect(await prod.locator('a.point.failed').count()).toBe(1);
      expect(await prod.locator('a.point.rollback').count()).toBe(1);
      expect(await prod.locator('a.point.rolled-back').count()).toBe(1);
      expect(await page.locator('.lane[data-env="staging"] a.point').count()).toBe(2);
      // The charts: seven successful changes over the weeks (the rollback is none); nine deployments ended, eight of them in 2-5 minutes.
      expect(await sumOf(page, '.weekly.frequency .column[data-value]')).toBe(7);
      expect(await sumOf(page, '.distribution.duration .column[data-value]')).toBe(9);
      expect(await page.locator('.distribution.duration .column[data-label="2–5m"]').getAttribute('data-value')).toBe('8');
      // Eight changes ended success or failed; one failed and one was rolled back.
      expect(await page.locator('.card[data-key="change-failure-rate"] .value').textContent()).toBe('25.0%');

      // Selecting the dev deployment's mark shows its details, the hostile message as the text it is.
      const detail = page.locator(`#d-${hostileDeploy.json.id}`);
      expect(await detail.isVisible()).toBe(false);
      await page.locator('.lane[data-env="dev"] a.point').click();
      expect(new URL(page.url()).hash).toBe(`#d-${hostileDeploy.json.id}`);
      expect(await detail.isVisible()).toBe(true);
      expect(await detail.locator('dd pre').first().textContent()).toBe(hostile);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('script, img').count()).toBe(0);
      await page.screenshot({ path: join(artifacts, `report-${kind}.png`), fullPage: true });

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await page.close();
    }
  });

  inBrowser('shares the timeline among environments, the newest of each, at least 50 each, and says so', async () => {
    // Eleven environments: 300 points shared make 27 each, so each shows its newest 50.
    const others = Array.from({ length: 10 }, (_, n) => span(ago(days(2)), 'success', { env: `env-${n}` }));
    await insertHistory(store.spec, [...Array.from({ length: 60 }, (_, n) => span(ago(days(25) - n * minutes(60)), 'success', { version: `1.${n}` })), ...others]);
    const file = join(store.dir, 'report.html');

    const made = await runCli(['--db', store.spec, 'report', '--html', file]);

    expect(made.code, made.stderr).toBe(0);
    const { page, errors } = await open(file);
    try {
      const prod = page.locator('.lane[data-env="prod"]');
      expect(await prod.getAttribute('data-total')).toBe('60');
      expect(await prod.locator('a.point').count()).toBe(50);
      expect(await prod.locator('text.count').textContent()).toBe('50 newest of 60');
      expect(await page.locator('a.point').count()).toBe(60);
      expect(await sumOf(page, '.weekly.frequency .column[data-value]')).toBe(70);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses a file it cannot write, in one line, and leaves nothing behind', async () => {
    await insertHistory(store.spec, [span(ago(days(1)), 'success')]);
    const missingDir = join(store.dir, 'no-such-dir');

    const result = await runCli(['--db', store.spec, 'report', '--html', join(missingDir, 'report.html')]);
    const withoutFile = await runCli(['--db', store.spec, 'report']);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(missingDir)).toBe(false);
    expect(readdirSync(store.dir).filter((name) => name.includes('report'))).toEqual([]);
    expect(withoutFile.code).toBe(2);
    expect(withoutFile.stderr).toContain('--html');
  });
});

async function sumOf(page: Page, selector: string): Promise<number> {
  const values = await page.locator(selector).evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-value'))));
  return values.reduce((total, value) => total + value, 0);
}
