import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { EnvironmentError } from '../../errors.js';

/**
 * The NCP API key pair, read from the environment. Both keys sit in private fields, so logging, inspecting or
 * serializing the object shows neither; the secret only ever leaves as an HMAC.
 */
export class NcpCredentials {
  readonly #accessKey: string;
  readonly #secretKey: string;

  constructor(accessKey: string, secretKey: string) {
    this.#accessKey = accessKey;
    this.#secretKey = secretKey;
  }

  get accessKey(): string {
    return this.#accessKey;
  }

  /** Base64 of HMAC-SHA256 over `message`, keyed with the secret key. */
  sign(message: string): string {
    return createHmac('sha256', this.#secretKey).update(message, 'utf8').digest('base64');
  }

  toJSON(): string {
    return 'NcpCredentials(redacted)';
  }

  [inspect.custom](): string {
    return 'NcpCredentials(redacted)';
  }
}

/** NCLOUD_ACCESS_KEY / NCLOUD_SECRET_KEY, else NCP_ACCESS_KEY / NCP_SECRET_KEY; exit 5 when a key is missing. */
export function ncpCredentials(env: NodeJS.ProcessEnv = process.env): NcpCredentials {
  const accessKey = env.NCLOUD_ACCESS_KEY || env.NCP_ACCESS_KEY;
  const secretKey = env.NCLOUD_SECRET_KEY || env.NCP_SECRET_KEY;
  if (!accessKey || !secretKey) {
    const missing = [!accessKey && 'NCLOUD_ACCESS_KEY', !secretKey && 'NCLOUD_SECRET_KEY'].filter(Boolean).join(' and ');
    throw new EnvironmentError(`NCP credentials missing: set ${missing} (or NCP_ACCESS_KEY / NCP_SECRET_KEY)`, 'ncp_credentials');
  }
  return new NcpCredentials(accessKey, secretKey);
}
