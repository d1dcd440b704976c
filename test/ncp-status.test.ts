import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { answerVerdict } from '../src/polling/answer-verdict.js';
import { ConcurrencyLimiter } from '../src/polling/limiter.js';
import { NcpCredentials } from '../src/providers/ncp/credentials.js';
import { ncpStatusMeaning, readHistoryAnswer, readStartAnswer } from '../src/providers/ncp/status.js';
import { ncpTargetFromOptions, defaultNcpEndpoint } from '../src/providers/ncp/target.js';
import { signatureMessage, signedHeaders } from '../src/providers/ncp/signature.js';
import { jittered, parseRetryAfter, retryDelayMs } from '../src/timing/backoff.js';

describe('what an NCP status means', () => {
  it.each([
    ['success', 'success', 'deployed'],
    ['fail', 'failed', 'deployment failed'],
    ['error', 'failed', 'error during deployment'],
    ['reject', 'failed', 'rejected at approval'],
    ['canary_reject', 'failed', 'canary rejected'],
    ['canary_waiting_timeout', 'failed', 'canary analysis timed out'],
    ['canceled', 'cancelled', 'cancelled'],
    ['inprogress', 'running', 'in progress'],
    ['pending', 'running', 'awaiting approval'],
    ['waiting', 'running', 'waiting to deploy'],
    ['canceling', 'running', 'being cancelled'],
    ['canary_pending', 'running', 'canary waiting'],
    ['canary_analyzing', 'running', 'canary under analysis'],
    ['canary_rejecting', 'running', 'canary being rejected'],
  ])('%s means %s (%s)', (status, meaning, description) => {
    expect(ncpStatusMeaning(status)).toEqual({ meaning, remote: status, description });
  });

  it.each(['succeeded', 'cancelled', 'done', 'constructor', '__proto__', 'toString', ''])("'%s' is unknown, never success", (status) => {
    expect(ncpStatusMeaning(status).meaning).toBe('unknown');
  });

  it('reads the status with or without the result wrapper', () => {
    expect(readHistoryAnswer({ result: { id: 3, status: 'inprogress' } }).meaning).toBe('running');
    expect(readHistoryAnswer({ id: 3, status: 'success' }).meaning).toBe('success');
  });

  it.each([[null], [[]], [{}], [{ result: {} }], [{ status: 7 }], [{ result: { status: '  ' } }], ['success']])('an answer without a status string (%j) is unknown', (body) => {
    expect(readHistoryAnswer(body)).toMatchObject({ meaning: 'unknown', remote: '(none)' });
  });

  it.each([
    [{ result: { historyId: 81 } }, 81],
    [{ historyId: 82 }, 82],
    [{ result: { historyId: '83' } }, '83'],
    [{ result: {} }, undefined],
    [{ historyId: -1 }, undefined],
    [{ historyId: '../x' }, undefined],
    [{ historyId: 1.5 }, undefined],
  ])('the start answer %j gives history id %s', (body, id) => {
    expect(readStartAnswer(body)).toBe(id);
  });
});

describe('signing an NCP request', () => {
  it('signs METHOD URI, timestamp and access key with HMAC-SHA256 of the secret, in base64', () => {
    const credentials = new NcpCredentials('AK', 'SK');
    const headers = signedHeaders('GET', '/api/v1/project/1/history/2?x=1', credentials, 1_700_000_000_000);
    const expected = createHmac('sha256', 'SK').update('GET /api/v1/project/1/history/2?x=1\n1700000000000\nAK').digest('base64');
    expect(headers).toEqual({ 'x-ncp-apigw-timestamp': '1700000000000', 'x-ncp-iam-access-key': 'AK', 'x-ncp-apigw-signature-v2': expected });
    expect(signatureMessage('POST', '/p', '5', 'k')).toBe('POST /p\n5\nk');
  });

  it('matches a signature computed by openssl', () => {
    // printf 'GET /api/v1/project/1/history/2\n1700000000000\nAK' | openssl dgst -sha256 -hmac SK -binary | base64
    const headers = signedHeaders('GET', '/api/v1/project/1/history/2', new NcpCredentials('AK', 'SK'), 1_700_000_000_000);
    expect(headers['x-ncp-apigw-signature-v2']).toBe('yQmgaKqorQGdnxAzuYl9Izvy/6tv0Yl/DOlfM5DYDzQ=');
  });

  it('never shows the keys when the credentials are printed or serialized', () => {
    const credentials = new NcpCredentials('access-visible?', 'secret-visible?');
    for (const text of [inspect(credentials), JSON.stringify({ credentials }), String(Object.keys(credentials))]) {
      expect(text).not.toContain('visible?');
    }
  });
});

describe('the NCP target from the command line', () => {
  it('takes the endpoint from the option, else NCLOUD_SOURCEDEPLOY_ENDPOINT, else the VPC endpoint', () => {
    const ids = { ncpProject: '1', ncpStage: '2', ncpScenario: '3' };
    expect(ncpTargetFromOptions(ids, {}).endpoint).toBe(`${defaultNcpEndpoint}/`);
    expect(ncpTargetFromOptions(ids, { NCLOUD_SOURCEDEPLOY_ENDPOINT: 'http://127.0.0.1:9/x' }).endpoint).toBe('http://127.0.0.1:9/x');
    expect(ncpTargetFromOptions({ ...ids, ncpEndpoint: 'https://sourcedeploy.apigw.ntruss.com' }, { NCLOUD_SOURCEDEPLOY_ENDPOINT: 'http://127.0.0.1:9' }).endpoint).toBe(
      'https://sourcedeploy.apigw.ntruss.com/',
    );
  });

  it.each([
    [{ ncpProject: '1', ncpStage: '2' }, /missing --ncp-scenario/],
    [{ ncpProject: '1/../2', ncpStage: '2', ncpScenario: '3' }, /--ncp-project: '1\/..\/2' is not an NCP id/],
    [{ ncpProject: '1', ncpStage: '2', ncpScenario: '3', ncpEndpoint: 'ftp://x' }, /only http and https/],
    [{ ncpProject: '1', ncpStage: '2', ncpScenario: '3', ncpEndpoint: 'https://u:p@x' }, /user or password/],
  ])('%j is refused as bad input', (options, message) => {
    expect(() => ncpTargetFromOptions(options, {})).toThrow(message);
  });
});

describe('what an HTTP answer status means for a request', () => {
  it.each([
    [200, undefined, { kind: 'ok' }],
    [204, undefined, { kind: 'ok' }],
    [401, undefined, { kind: 'refused', status: 401 }],
    [403, undefined, { kind: 'refused', status: 403 }],
    [429, '3', { kind: 'retry', reason: 'answered HTTP 429 (rate limited)', retryAfterMs: 3_000 }],
    [500, undefined, { kind: 'retry', reason: 'answered HTTP 500', retryAfterMs: undefined }],
    [503, '1', { kind: 'retry', reason: 'answered HTTP 503', retryAfterMs: 1_000 }],
    [404, undefined, { kind: 'retry', reason: 'answered HTTP 404', retryAfterMs: undefined }],
    [302, undefined, { kind: 'retry', reason: 'answered HTTP 302', retryAfterMs: undefined }],
  ])('HTTP %i (Retry-After %s) is %j', (status, retryAfter, verdict) => {
    expect(answerVerdict({ status, retryAfter }, 0)).toEqual(verdict);
  });
});

describe('backoff and Retry-After', () => {
  const settings = { baseMs: 1_000, capMs: 8_000, jitter: 0 };

  it('doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 40].map((attempt) => retryDelayMs(attempt, settings, undefined, Infinity))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('waits at least what Retry-After asks, even past the cap', () => {
    expect(retryDelayMs(1, settings, 20_000, Infinity)).toBe(20_000);
  });

  it('never waits past the time that is left', () => {
    expect(retryDelayMs(1, settings, 20_000, 1_500)).toBe(1_500);
    expect(retryDelayMs(4, settings, undefined, -5)).toBe(0);
  });

  it('spreads each wait by the jitter fraction either way', () => {
    expect(jittered(1_000, 0.1, () => 0)).toBe(900);
    expect(jittered(1_000, 0.1, () => 1)).toBe(1_100);
    expect(jittered(1_000, 0, () => 0.3)).toBe(1_000);
    expect(retryDelayMs(1, { ...settings, jitter: 0.5 }, undefined, Infinity, () => 0)).toBe(500);
  });

  it.each([
    ['7', 7_000],
    [' 0 ', 0],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['soon', undefined],
    ['-3', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ])('Retry-After %j is %s ms', (value, ms) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(ms);
  });
});

describe('the concurrency limiter', () => {
  it('never runs more than its limit at once and runs everything', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const work = async (n: number) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (n % 3)));
      running -= 1;
      return n;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => limiter.run(() => work(n))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(peak).toBe(3);
  });

  it('lets waiting work leave the queue when its signal aborts', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const second = limiter.run(async () => 'ran', controller.signal);
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    release();
    await first;
    await expect(limiter.run(async () => 'third')).resolves.toBe('third');
  });
});
