import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { IntegrationReceiver } from '../fixtures/integration-receiver.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

/** A receiver that answers slowly enough to time out gives up after this long a request. */
const quick = { SHIPLOG_INTEGRATION_TIMEOUT: '300ms' };

describeEachStore('--notify on %s', (kind) => {
  const receiver = new IntegrationReceiver();
  let store: TestStore;
  beforeAll(() => receiver.start());
  afterAll(() => receiver.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
    receiver.reset();
  });
  afterEach(() => store.cleanup());

  const deploy = (...more: string[]) => ['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '2.0.1', ...more];
  const succeeding = ['--', process.execPath, '-e', 'process.exit(0)'];
  const failing = ['--', process.execPath, '-e', 'process.exit(3)'];
  const show = async (key: string) => (await runCliJson(['--db', store.spec, 'show', key])).json;

  it('a generic receiver gets the record as --json prints it, with the event that ended it', async () => {
    const { result, json } = await runCliJson([...deploy('--notify', `${receiver.url}/hooks/deploys`), ...succeeding]);
    expect(result.code, result.stderr).toBe(0);
    const [request, ...more] = receiver.requests();
    expect(more).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/deploys' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/^shiplog\//);
    const body = request!.body as DeploymentJson & { event: Record<string, unknown> };
    expect(request!.headers['x-shiplog-delivery']).toBe(`${json.key}:success:${body.event.at}`);
    const { event, ...record } = body;
    expect(record).toEqual(json);
    expect(event).toEqual({ at: json.completedAt, from: 'running', to: 'success', source: 'command', detail: 'command exited 0' });
  });

  it('a Slack webhook (slack+http://) gets a message, with text from the store escaped', async () => {
    const { result, json } = await runCliJson([...deploy('--notify', `slack+${receiver.url}/services/T0/B0/xyz`, '--operator', 'ann <@here> & co'), ...failing]);
    expect(result.code, result.stderr).toBe(1);
    const [request] = receiver.requests('POST', /^\/services\/T0\/B0\/xyz$/);
    const body = request!.body as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[] };
    expect(body.text).toMatch(/^:x: web 2\.0\.1 to prod: failed in \d+/);
    expect(body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(body.blocks[0]!.text!.text).toContain('*web 2.0.1 to prod*: failed');
    expect(body.blocks[1]!.type).toBe('context');
    const context = body.blocks[1]!.elements![0]!.text;
    expect(context).toContain(`\`${json.key}\``);
    expect(context).toContain('by ann &lt;@here&gt; &amp; co');
    expect(context).not.toContain('<@here>');
  });

  it('each URL of SHIPLOG_NOTIFY hears of the outcome; nothing is sent while a deployment only runs', async () => {
    const env = { SHIPLOG_NOTIFY: `${receiver.url}/a, ${receiver.url}/b` };
    const { json } = await runCliJson(deploy(), { env });
    expect(json.status).toBe('running');
    expect(receiver.received).toEqual([]);
    const finished = await runCli(['--db', store.spec, 'finish', json.key, '--status', 'success'], { env });
    expect(finished.code, finished.stderr).toBe(0);
    expect(receiver.requests().map((r) => r.path).sort()).toEqual(['/a', '/b']);
    expect(receiver.requests().every((r) => (r.body as { status: string; event: { source: string } }).event.source === 'cli')).toBe(true);
  });

  it('a deployment cancelled by --supersede is an outcome this process settled, and is told', async () => {
    const first = (await runCliJson(deploy())).json;
    const { result, json } = await runCliJson([...deploy('--supersede', '--notify', `${receiver.url}/hooks`), ...succeeding]);
    expect(result.code, result.stderr).toBe(0);
    const told = receiver.requests('POST', /^\/hooks$/).map((r) => r.body as DeploymentJson & { event: { to: string; detail: string } });
    expect(told.map((b) => [b.key, b.status, b.event.to])).toEqual(
      expect.arrayContaining([
        [first.key, 'cancelled', 'cancelled'],
        [json.key, 'success', 'success'],
      ]),
    );
    expect(told).toHaveLength(2);
    expect(told.find((b) => b.key === first.key)!.event.detail).toBe(`superseded by ${json.key}`);
  });

  it('a receiver that answers 500 and then 200 is tried again, and nothing is reported', async () => {
    receiver.script('POST', /^\/flaky$/, [{ status: 500, json: { message: 'try later' } }, { status: 200, text: 'ok' }]);
    const { result, json } = await runCliJson([...deploy('--notify', `${receiver.url}/flaky`), ...succeeding]);
    expect(result.code, result.stderr).toBe(0);
    expect(receiver.requests('POST', /^\/flaky$/)).toHaveLength(2);
    expect(result.stderr).not.toContain('not delivered');
    expect((await show(json.key)).events!.filter((e) => e.source === 'integration')).toEqual([]);
  });

  it('a receiver that always fails is reported on stderr and as an event, and the exit code is the outcome', async () => {
    receiver.script('POST', /^\/down/, [{ status: 503, text: 'maintenance' }]);
    const { result, json } = await runCliJson([...deploy('--notify', `${receiver.url}/down`), ...failing]);
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(receiver.requests('POST', /^\/down/)).toHaveLength(3);
    const line = `notification to ${new URL(receiver.url).host} of ${json.key} failed not delivered: HTTP 503 (maintenance) after 3 attempts`;
    expect(result.stderr).toContain(`shiplog: ${line}; the deployment's outcome stands`);
    const noted = (await show(json.key)).events!.filter((e) => e.source === 'integration');
    expect(noted).toEqual([expect.objectContaining({ from: 'failed', to: 'failed', detail: line })]);
  });

  it('a receiver that never answers holds the command up for a bounded time only', async () => {
    receiver.script('POST', /^\/silent/, [{ hang: true }]);
    const { result, json } = await runCliJson([...deploy('--notify', `${receiver.url}/silent`), ...succeeding], { env: quick });
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(json.status).toBe('success');
    // Three attempts were made; on a loaded machine one given up on may never have reached the receiver.
    expect(receiver.requests('POST', /^\/silent/).length).toBeGreaterThanOrEqual(1);
    expect(receiver.requests('POST', /^\/silent/).length).toBeLessThanOrEqual(3);
    expect(result.stderr).toContain('not delivered: no answer within 300ms (3 attempts)');
  });

  it('a URL from env:VAR is never printed or stored, even when its receiver fails', async () => {
    const secretPath = '/services/T123/B456/s3cr3tW3bh00kPath';
    receiver.script('POST', /s3cr3t/, [{ status: 404, text: `no_service for ${secretPath}` }]);
    const env = { SLACK_WEBHOOK: `slack+${receiver.url}${secretPath}` };
    const { result, json } = await runCliJson([...deploy('--notify', 'env:SLACK_WEBHOOK'), ...succeeding], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(receiver.requests('POST', /s3cr3t/)).toHaveLength(1);
    expect(result.stderr).toContain(`Slack notification to $SLACK_WEBHOOK of ${json.key} success not delivered: HTTP 404`);
    const shown = await runCli(['--db', store.spec, 'show', json.key]);
    const everything = [result.stdout, result.stderr, shown.stdout, JSON.stringify(await snapshot(store))].join('\n');
    expect(everything).not.toContain('s3cr3tW3bh00kPath');
  });

  it('bad --notify values are refused with exit 2 before anything is recorded', async () => {
    for (const [value, message] of [
      ['ftp://example.test/hook', '--notify value: not an http(s) URL'],
      ['env:NOT_SET_ANYWHERE', '--notify env:NOT_SET_ANYWHERE: $NOT_SET_ANYWHERE is not set'],
      ['env:bad-name', '--notify: write env:VAR with a variable name'],
    ]) {
      const result = await runCli([...deploy('--notify', value!), ...succeeding]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect((await snapshot(store)).deployments).toEqual([]);
  });
});
