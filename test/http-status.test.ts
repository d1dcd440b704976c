import { describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { headerValues, parseHeaderOptions } from '../src/providers/http/headers.js';
import { defaultFailureValues, defaultSuccessValues, httpTargetFromOptions, recordedHttpTarget } from '../src/providers/http/target.js';
import { redirectStep } from '../src/providers/http/redirect.js';
import { httpStatusMeaning, parseFieldPath } from '../src/providers/http/status-meaning.js';

describe('what a status endpoint answer means', () => {
  const rule = { statusField: 'deploy.state', successValues: ['done', 'ok'], failureValues: ['broken'] };

  it.each([
    [{ deploy: { state: 'done' } }, 'success', 'done'],
    [{ deploy: { state: 'DONE' } }, 'success', 'DONE'],
    [{ deploy: { state: ' ok ' } }, 'success', ' ok '],
    [{ deploy: { state: 'broken' } }, 'failed', 'broken'],
    [{ deploy: { state: 'rolling' } }, 'running', 'rolling'],
    [{ deploy: { state: 'success' } }, 'running', 'success'],
    [{ deploy: { state: 0 } }, 'running', '0'],
    [{ deploy: { state: true } }, 'running', 'true'],
    [{ deploy: {} }, 'unknown', '(none)'],
    [{ deploy: { state: null } }, 'unknown', '(none)'],
    [{ deploy: 'done' }, 'unknown', '(none)'],
    [{ deploy: { state: { phase: 'done' } } }, 'unknown', '(not a value)'],
    [{ deploy: { state: ['done'] } }, 'unknown', '(not a value)'],
    [[], 'unknown', '(none)'],
    ['done', 'unknown', '(none)'],
    [null, 'unknown', '(none)'],
  ])('%j is %s', (body, meaning, remote) => {
    expect(httpStatusMeaning(body, rule)).toMatchObject({ meaning, remote });
  });

  it('reads array indexes in the path and never walks into inherited properties', () => {
    expect(httpStatusMeaning({ items: [{ phase: 'x' }, { phase: 'done' }] }, { ...rule, statusField: 'items.1.phase' }).meaning).toBe('success');
    expect(httpStatusMeaning({}, { ...rule, statusField: 'constructor' }).meaning).toBe('unknown');
    expect(httpStatusMeaning({ a: 'done' }, { ...rule, statusField: 'a.length' }).meaning).toBe('unknown');
  });

  it('the default vocabularies hold no word twice', () => {
    expect(defaultSuccessValues.filter((value) => defaultFailureValues.includes(value))).toEqual([]);
  });

  it.each(['', 'a..b', '.a', 'a.', ' a', 'a. b'])("'%s' is not a status field path", (path) => {
    expect(() => parseFieldPath(path)).toThrow(UsageError);
  });
});

describe('--header options', () => {
  it('keeps env: references as references and literal values only in memory', () => {
    const parsed = parseHeaderOptions(['Authorization: Bearer env:DEPLOY_TOKEN', 'X-Api-Key:env:API_KEY', 'Accept: application/json']);
    expect(parsed.stored).toEqual([
      { name: 'Authorization', env: 'DEPLOY_TOKEN', scheme: 'Bearer' },
      { name: 'X-Api-Key', env: 'API_KEY' },
      { name: 'Accept', notStored: true },
    ]);
    expect(JSON.stringify(parsed.stored)).not.toContain('application/json');
    expect([...parsed.literals]).toEqual([['Accept', 'application/json']]);
  });

  it('reads the values from the environment when they are sent', () => {
    const { stored, literals } = parseHeaderOptions(['Authorization: Bearer env:DEPLOY_TOKEN', 'X-Literal: abc']);
    expect(headerValues(stored, literals, { DEPLOY_TOKEN: 't0k' })).toEqual({ Authorization: 'Bearer t0k', 'X-Literal': 'abc' });
  });

  it('an unset variable is an environment problem naming the variable, not a value', () => {
    const { stored } = parseHeaderOptions(['Authorization: env:DEPLOY_TOKEN']);
    expect(() => headerValues(stored, new Map(), {}, 'dep_1')).toThrow(new EnvironmentError('dep_1: header Authorization takes its value from $DEPLOY_TOKEN, which is not set here; set it and run again', 'header_env'));
  });

  it('a literal header of an earlier deploy cannot be sent by a later process', () => {
    expect(() => headerValues([{ name: 'X-Token', notStored: true }], new Map(), {}, 'dep_2')).toThrow(/dep_2: header X-Token was given to deploy as a literal value, which shiplog never stores/);
  });

  it.each([
    ['no colon', 'Authorization Bearer s3cr3t-value'],
    ['no name', ': s3cr3t-value'],
    ['a space in the name', 'X Token: s3cr3t-value'],
    ['a bad env reference', 'X-Token: prefix s3cr3t-value env:'],
    ['a line break', 'X-Token: s3cr3t-value\r\nX-Other: 1'],
  ])('a header with %s is refused without echoing its value', (_case, option) => {
    let message = '';
    try {
      parseHeaderOptions([option]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--header/);
    expect(message).not.toContain('s3cr3t-value');
  });

  it('the same header twice is refused', () => {
    expect(() => parseHeaderOptions(['X-A: env:A', 'x-a: env:B'])).toThrow('--header x-a is given twice');
  });
});

describe('the HTTP target from the command line', () => {
  it('stores the URL, the rule and the header references', () => {
    const { target } = httpTargetFromOptions({ statusUrl: 'https://deploys.example/api/7', statusField: 'state', successValues: 'green, done', failureValues: 'red', header: ['Authorization: env:T'] });
    expect(target).toEqual({ url: 'https://deploys.example/api/7', statusField: 'state', successValues: ['green', 'done'], failureValues: ['red'], headers: [{ name: 'Authorization', env: 'T' }] });
    expect(recordedHttpTarget('dep_1', JSON.parse(JSON.stringify(target)) as Record<string, unknown>)).toEqual(target);
  });

  it.each([
    [{ statusField: 'state' }, /go with --status-url/],
    [{ statusUrl: 'nope' }, /--status-url: not a URL/],
    [{ statusUrl: 'http://x', successValues: ' , ' }, /--success-values: give at least one value/],
    [{ statusUrl: 'http://x', successValues: 'done', failureValues: 'DONE' }, /cannot mean both success and failure/],
  ])('%j is refused as bad input', (options, message) => {
    expect(() => httpTargetFromOptions(options)).toThrow(message);
  });

  it('a record without a status URL target is not pollable', () => {
    expect(() => recordedHttpTarget('dep_9', { url: 'http://x' })).toThrow('dep_9 has no usable status URL target to poll');
  });
});

describe('which redirects of a status URL are followed', () => {
  const from = 'https://deploys.example:8443/api/42?view=status';
  it.each([
    ['a relative Location on the same origin, with headers', 302, '/api/42/v2', true, { kind: 'follow', url: 'https://deploys.example:8443/api/42/v2' }],
    ['an absolute Location on the same origin, with headers', 308, 'https://deploys.example:8443/v2/42', true, { kind: 'follow', url: 'https://deploys.example:8443/v2/42' }],
    ['another port, with headers', 307, 'https://deploys.example:9443/api/42', true, { kind: 'refuse', origin: 'https://deploys.example:9443' }],
    ['another host, with headers', 301, 'https://evil.example/collect?k=1', true, { kind: 'refuse', origin: 'https://evil.example' }],
    ['plain http on the same host, with headers', 302, 'http://deploys.example:8443/api/42', true, { kind: 'refuse', origin: 'http://deploys.example:8443' }],
    ['credentials in the Location, with headers', 302, 'https://user:pass@other.example/x', true, { kind: 'refuse', origin: 'https://other.example' }],
    ['another host, without headers', 303, 'https://mirror.example/api/42', false, { kind: 'follow', url: 'https://mirror.example/api/42' }],
    ['a Location that is not http', 302, 'file:///etc/passwd', false, { kind: 'answer' }],
    ['a redirect without a Location', 302, undefined, true, { kind: 'answer' }],
    ['an answer that is not a redirect', 200, '/elsewhere', true, { kind: 'answer' }],
    ['304 Not Modified', 304, '/elsewhere', true, { kind: 'answer' }],
  ] as const)('%s', (_case, status, location, carriesHeaders, step) => {
    expect(redirectStep(from, { status, location }, carriesHeaders)).toEqual(step);
  });
});
