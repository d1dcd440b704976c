import { describe, expect, it } from 'vitest';
import { isTransientFailure, describeApiFailure } from '../src/providers/kubernetes/api-failure.js';
import { parseExecCredential } from '../src/providers/kubernetes/exec-plugin.js';
import { lastLineWithoutSecrets } from '../src/providers/kubernetes/exec-stderr.js';
import { EnvironmentError } from '../src/errors.js';

describe("an exec plugin's last stderr line keeps its words and masks what looks like a credential", () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl';
  const cases: [string, string, string][] = [
    ['the last non-empty line, trimmed', 'starting\nerror: could not reach sts.amazonaws.com\n\n', 'error: could not reach sts.amazonaws.com'],
    ['a named secret after =', 'refresh failed: client_secret=hunter2 expired', 'refresh failed: client_secret=*** expired'],
    ['a named secret after :, quoted', 'bad response {"access_token": "abc.def", "kind": "x"}', 'bad response {"access_token": "***", "kind": "x"}'],
    ['a password in a query', 'GET https://idp.example/token?user=ci&password=pa55&scope=k8s failed', 'GET https://idp.example/token?user=ci&password=***&scope=k8s failed'],
    ['an Authorization header', 'sent Authorization: Bearer abc123 and got 401', 'sent Authorization: *** *** and got 401'],
    ['a bearer token alone', 'token is Bearer abc123', 'token is Bearer ***'],
    ['a JWT', `got ${jwt} back`, 'got *** back'],
    ['a long key-like run', 'key AKIAABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 rejected', 'key *** rejected'],
    ['a long run in mixed case', 'secret wJalrXUtnFEMIKbMDENGbPxRfiCYEXAMPLEKEY rejected', 'secret *** rejected'],
    ['a long lower-case path, which is no secret', 'exec: /usr/local/google-cloud-sdk/bin/gke-gcloud-auth-plugin: not found', 'exec: /usr/local/google-cloud-sdk/bin/gke-gcloud-auth-plugin: not found'],
    ['colour codes', '\x1b[31merror:\x1b[0m expired', 'error: expired'],
    ['nothing at all', '', ''],
  ];
  it.each(cases)('%s', (_name, stderr, line) => {
    expect(lastLineWithoutSecrets(stderr)).toBe(line);
  });

  it('masks a credential this process holds even when it looks like nothing special', () => {
    expect(lastLineWithoutSecrets('cached short9 is stale', ['short9', undefined])).toBe('cached *** is stale');
  });

  it('cuts a long line', () => {
    expect(lastLineWithoutSecrets('word '.repeat(100))).toHaveLength(201);
  });
});

describe('an ExecCredential gives a token or a client certificate, and its expiry', () => {
  it('reads a token and its expirationTimestamp', () => {
    const document = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 't0k', expirationTimestamp: '2026-12-02T11:00:00Z' } };
    expect(parseExecCredential(JSON.stringify(document))).toEqual({ token: 't0k', expiresAt: Date.parse('2026-12-02T11:00:00Z') });
  });

  it('reads a client certificate and key, with no expiry', () => {
    const document = { kind: 'ExecCredential', status: { clientCertificateData: 'CERT', clientKeyData: 'KEY' } };
    expect(parseExecCredential(JSON.stringify(document))).toEqual({ clientCertificateData: 'CERT', clientKeyData: 'KEY' });
  });

  const refused: [string, string, RegExp][] = [
    ['output that is not JSON', 'Please log in at https://idp.example', /^did not print an ExecCredential \(its output is not JSON\)$/],
    ['no token and no key pair', JSON.stringify({ kind: 'ExecCredential', status: { clientCertificateData: 'CERT' } }), /neither a token nor a client certificate and key/],
    ['no status', JSON.stringify({ kind: 'ExecCredential' }), /neither a token nor a client certificate and key/],
    ['an expiry that is not a time', JSON.stringify({ status: { token: 'secret-token', expirationTimestamp: 'tomorrow' } }), /expirationTimestamp 'tomorrow' is not a time/],
  ];
  it.each(refused)('refuses %s, without quoting the document', (_name, stdout, message) => {
    expect(() => parseExecCredential(stdout)).toThrow(message);
    try {
      parseExecCredential(stdout);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-token');
    }
  });
});

describe('which failures of the API server are worth another try', () => {
  const where = { context: 'fake', server: 'https://k8s.example' };
  const cases: [string, unknown, boolean][] = [
    ['500', { code: 500 }, true],
    ['503', { statusCode: 503 }, true],
    ['429', { code: 429 }, true],
    ['408', { code: 408 }, true],
    ['no answer', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), true],
    ['401', { code: 401 }, false],
    ['403', { code: 403 }, false],
    ['404', { code: 404 }, false],
    ['a failed exec plugin', new EnvironmentError('the kubeconfig exec plugin … exited 1', 'k8s_exec_plugin'), false],
  ];
  it.each(cases)('%s', (_name, raw, transient) => {
    expect(isTransientFailure(describeApiFailure(raw, where, 'listing'))).toBe(transient);
  });
});
