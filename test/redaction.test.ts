import { describe, expect, it } from 'vitest';
import { OutputTail } from '../src/providers/command/output-tail.js';
import { redact, secretValues } from '../src/secrets/redaction.js';

describe('which environment values are secrets', () => {
  it.each([
    ['a *_TOKEN variable', { MY_API_TOKEN: 'tok-123456' }, ['tok-123456']],
    ['a *_SECRET* variable', { CLIENT_SECRET_VALUE: 'cs-998877' }, ['cs-998877']],
    ['a *_KEY variable', { STRIPE_KEY: 'sk_live_42' }, ['sk_live_42']],
    ['a *PASSWORD* variable', { PGPASSWORD: 'pg-pass-1', SMTP_PASSWORD_PLAIN: 'mail-pass' }, ['pg-pass-1', 'mail-pass']],
    ['the NCP keys and the GitHub token', { NCLOUD_ACCESS_KEY: 'ak-0001', NCLOUD_SECRET_KEY: 'sk-0002', GITHUB_TOKEN: 'ghs_0003' }, ['ak-0001', 'sk-0002', 'ghs_0003']],
    ['the password of a store URL, as written and decoded', { SHIPLOG_DB: 'postgres://deployer:p%40ss-w0rd@db:5432/shiplog' }, ['p%40ss-w0rd', 'p@ss-w0rd']],
    ['a password in a URL query', { DATABASE_URL: 'postgres://db/shiplog?user=deployer&password=q-pass-77' }, ['q-pass-77']],
    ['the password of any URL', { HTTPS_PROXY: 'http://me:proxy-pw@proxy:3128' }, ['proxy-pw']],
    ['a URL without a password', { SHIPLOG_DB: 'postgres://deployer@db/shiplog' }, []],
    ['variables whose names say nothing', { PATH: '/usr/bin', HOME: '/root', KEYBOARD: 'us', TOKENIZER: 'bpe' }, []],
    ['values too short to be worth a secret', { DEBUG_KEY: '1', USE_SECRET: 'yes' }, []],
  ])('%s', (_case, env, secrets) => {
    expect(secretValues(env).sort()).toEqual([...secrets].sort());
  });

  it('a value over several lines counts whole and line by line, longest first', () => {
    expect(secretValues({ DEPLOY_KEY: '-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----' })).toEqual([
      '-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----',
      '-----BEGIN KEY-----',
      '-----END KEY-----',
      'MIIEvQIBADANBg',
    ]);
  });

  it('redact blanks every occurrence, a longer secret before a shorter one it holds', () => {
    expect(redact('a=tok-123456 b=tok-123 c=tok-123456', ['tok-123456', 'tok-123'])).toBe('a=[redacted] b=[redacted] c=[redacted]');
  });
});

describe('the output tail of a deploy command', () => {
  const secret = 'ShIpLoG-tail-5ecret-value';

  it('blanks a secret cut across chunks', () => {
    const tail = new OutputTail([secret]);
    tail.push('token: ShIpLoG-tail-');
    tail.push('5ecret-');
    tail.push('value\nexit 1\n');
    expect(tail.toString()).toBe('token: [redacted]\nexit 1');
  });

  it('never keeps part of a secret where the tail was cut to its size', () => {
    const tail = new OutputTail([secret], 20, 100);
    for (let n = 0; n < 50; n += 1) tail.push(`line ${n} ${secret}\n`);
    expect(tail.toString()).not.toMatch(/5ecret|ShIpLoG|-value/);
    expect(tail.toString()).toContain('line 49 [redacted]');
  });
});
