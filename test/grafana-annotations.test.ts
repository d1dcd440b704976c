import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { IntegrationReceiver } from '../fixtures/integration-receiver.js';
import { runCli, runCliJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const token = 'glsa_grafanaServiceAccountT0ken';

/** Grafana's annotations API: POST /api/annotations answers the next id (from 501), PATCH /api/annotations/:id says patched. */
function grafanaApi(): IntegrationReceiver {
  const api: IntegrationReceiver = new IntegrationReceiver((request) => {
    if (request.method === 'POST' && request.path === '/grafana/api/annotations') {
      return { status: 200, json: { message: 'Annotation added', id: 500 + api.requests('POST').length } };
    }
    if (request.method === 'PATCH' && /^\/grafana\/api\/annotations\/\d+$/.test(request.path)) return { status: 200, json: { message: 'Annotation patched' } };
    return { status: 404, json: { message: 'Not found' } };
  });
  return api;
}

describeEachStore('--grafana on %s', (kind) => {
  const grafana = grafanaApi();
  let store: TestStore;
  const env = { GRAFANA_TOKEN: token };
  beforeAll(() => grafana.start());
  afterAll(() => grafana.close());
  beforeEach(async () => {
    store = await createTestStore(kind);
    grafana.reset();
  });
  afterEach(() => store.cleanup());

  // Grafana served under a sub-path, as behind a reverse proxy; a trailing slash is allowed.
  const base = () => `${grafana.url}/grafana/`;
  const deploy = (...more: string[]) => ['--db', store.spec, 'deploy', '--app', 'web', '--env', 'staging', '--version', '7.1.0', ...more];
  const show = async (key: string) => (await runCliJson(['--db', store.spec, 'show', key])).json;

  it('a deployment is a point when it starts, and the same annotation becomes a region when it ends', async () => {
    const { result, json } = await runCliJson([...deploy('--grafana', base()), '--', process.execPath, '-e', 'process.exit(0)'], { env });
    expect(result.code, result.stderr).toBe(0);
    const record = await show(json.key);
    const [start, ...otherPosts] = grafana.requests('POST');
    expect(otherPosts, JSON.stringify(grafana.received.map((r) => [r.method, r.path, r.body]))).toEqual([]);
    expect(start!.path).toBe('/grafana/api/annotations');
    expect(start!.headers.authorization).toBe(`Bearer ${token}`);
    expect(start!.headers['content-type']).toBe('application/json');
    expect(start!.body).toEqual({
      time: Date.parse(record.startedAt!),
      tags: ['shiplog', 'app:web', 'env:staging', 'status:running'],
      text: `web 7.1.0 to staging: running (${json.key})`,
    });
    const [end] = grafana.requests('PATCH');
    expect(end!.path).toBe('/grafana/api/annotations/501');
    expect(end!.headers.authorization).toBe(`Bearer ${token}`);
    expect(end!.body).toEqual({
      timeEnd: Date.parse(record.completedAt!),
      tags: ['shiplog', 'app:web', 'env:staging', 'status:success'],
      text: expect.stringMatching(new RegExp(`^web 7\\.1\\.0 to staging: success in \\S+ \\(${json.key}\\)$`)),
    });
    expect(record.target).toMatchObject({ grafana: { url: `${grafana.url}/grafana`, annotationId: 501 } });
    const everything = [result.stdout, result.stderr, JSON.stringify(await snapshot(store))].join('\n');
    expect(everything).not.toContain(token);
  });

  it('the process that finishes a deployment ends the annotation its deploy started', async () => {
    const { json } = await runCliJson(deploy('--grafana', base()), { env });
    const finished = await runCli(['--db', store.spec, 'finish', json.key, '--status', 'cancelled', '--grafana', base()], { env });
    expect(finished.code, finished.stderr).toBe(0);
    expect(grafana.requests('POST')).toHaveLength(1);
    expect(grafana.requests('PATCH')[0]).toMatchObject({ path: '/grafana/api/annotations/501', body: { tags: ['shiplog', 'app:web', 'env:staging', 'status:cancelled'] } });
  });

  it('without a start annotation on record, the end is one region from start to end', async () => {
    const { json } = await runCliJson(deploy(), { env });
    const finished = await runCli(['--db', store.spec, 'finish', json.key, '--status', 'success'], { env: { ...env, SHIPLOG_GRAFANA_URL: base() } });
    expect(finished.code, finished.stderr).toBe(0);
    const record = await show(json.key);
    const [region] = grafana.requests('POST');
    expect(region!.body).toMatchObject({ time: Date.parse(record.startedAt!), timeEnd: Date.parse(record.completedAt!), tags: ['shiplog', 'app:web', 'env:staging', 'status:success'] });
    expect(grafana.requests('PATCH')).toEqual([]);
  });

  it('a Grafana that does not answer is reported and recorded, and the outcome stands', async () => {
    grafana.script('POST', /annotations/, [{ hang: true }]);
    const { result, json } = await runCliJson([...deploy('--grafana', base()), '--', process.execPath, '-e', 'process.exit(2)'], {
      env: { ...env, SHIPLOG_INTEGRATION_TIMEOUT: '300ms' },
    });
    expect(result.code).toBe(1);
    expect(json.status).toBe('failed');
    expect(result.stderr).toContain(`Grafana annotation of ${json.key} running not delivered: no answer within 300ms (3 attempts)`);
    // The run stops calling a Grafana that never answered: the end is reported at once, not waited for again.
    expect(result.stderr).toContain(`Grafana annotation of ${json.key} failed not delivered: it gave no answer earlier in this run, so it was not tried again`);
    // Three attempts at the start, none at the end; on a loaded machine one given up on may never have arrived.
    expect(grafana.requests('POST').length).toBeGreaterThanOrEqual(1);
    expect(grafana.requests('POST').length).toBeLessThanOrEqual(3);
    const noted = (await show(json.key)).events!.filter((e) => e.source === 'integration');
    expect(noted).toHaveLength(2);
    expect(JSON.stringify(noted)).not.toContain(token);
  });

  it('a token given literally, a missing token variable or a URL with credentials is exit 2, nothing recorded', async () => {
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [['--grafana', base(), '--grafana-token', token], env, '--grafana-token: write env:VAR'],
      [['--grafana', base()], {}, '--grafana needs a service account token: $GRAFANA_TOKEN is not set'],
      [['--grafana', `http://admin:admin@127.0.0.1:3000/`], env, '--grafana: the URL holds credentials'],
    ];
    for (const [options, extra, message] of cases) {
      const result = await runCli([...deploy(...options), '--', process.execPath, '-e', '0'], { env: { GRAFANA_TOKEN: '', ...extra } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain(token);
    }
    expect((await snapshot(store)).deployments).toEqual([]);
  });
});
