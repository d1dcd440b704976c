import type { NcpCredentials } from './credentials.js';

/** What the NCP API gateway signs: `METHOD URI\ntimestamp\naccessKey`, URI being the path and query without the host. */
export function signatureMessage(method: string, uri: string, timestamp: string, accessKey: string): string {
  return `${method} ${uri}\n${timestamp}\n${accessKey}`;
}

/**
 * The three headers every NCP API call carries (signature v2). The timestamp sent is the one signed; the
 * gateway refuses one more than 5 minutes off its clock.
 */
export function signedHeaders(method: string, uri: string, credentials: NcpCredentials, now = Date.now()): Record<string, string> {
  const timestamp = String(now);
  return {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': credentials.accessKey,
    'x-ncp-apigw-signature-v2': credentials.sign(signatureMessage(method, uri, timestamp, credentials.accessKey)),
  };
}
