import { maskUrl } from '../secrets/masked-url.js';

const envReference = /^(?:[A-Za-z][\w.-]* +)?env:[A-Za-z_][A-Za-z0-9_]*$/;
/** Keys whose whole URL is the secret: a webhook's path is its credential (Slack's `/services/T…/B…/…`). */
const webhookKeys = new Set(['notify']);

/**
 * A setting as `shiplog config` may print it: no secret in it. An `env:VAR` reference is shown as written,
 * since it names where the secret is, not the secret. A header's literal value is hidden; a URL loses its
 * password and its query values (tokens travel there), a webhook URL all but its origin.
 */
export function shownValue(key: string, value: string | boolean | string[]): string | boolean | string[] {
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => shownText(key, item));
  return shownText(key, value);
}

function shownText(key: string, value: string): string {
  if (envReference.test(value)) return value;
  if (key === 'header') {
    const colon = value.indexOf(':');
    if (colon < 0) return '***';
    return envReference.test(value.slice(colon + 1).trim()) ? value : `${value.slice(0, colon)}: ***`;
  }
  const bare = value.replace(/^slack\+/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(bare)) return value;
  const url = parseUrl(bare);
  if (webhookKeys.has(key)) return url === undefined ? '***' : `${value.slice(0, value.length - bare.length)}${url.origin}/***`;
  if (url === undefined) return maskUrl(value);
  const masked = new URL(maskUrl(url.toString()));
  for (const name of [...masked.searchParams.keys()]) masked.searchParams.set(name, '***');
  return masked.toString();
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
