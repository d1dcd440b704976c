/** Query parameters that carry a credential: `password`, `sslpassword`. */
const credentialParameter = /pass/i;
const scheme = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A URL with every credential in it replaced by `***`, safe for any message. It is read as the pg driver reads
 * it (WHATWG URL: the password runs to the last `@` before the host, so `u:abc@SECRET@host` hides
 * `abc@SECRET`), and query credentials (`?password=`) are hidden too. A URL that does not parse keeps only its
 * scheme and what follows its last `@`, since where its password ends cannot be told.
 */
export function maskUrl(url: string): string {
  const prefix = scheme.exec(url)?.[0];
  if (prefix === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const at = url.lastIndexOf('@');
    return maskQuery(at < 0 ? url : `${prefix}***${url.slice(at)}`);
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) {
    if (credentialParameter.test(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}

function maskQuery(text: string): string {
  return text.replace(/([?&][^=&#]*pass[^=&#]*=)[^&#]*/gi, '$1***');
}

/**
 * The credentials a URL carries, as they may appear in a message or a command's output: the password raw and
 * decoded, and `?password=` values. Text that does not start with a scheme is no URL and carries none.
 */
export function urlCredentials(url: string): string[] {
  if (!scheme.test(url)) return [];
  const found = new Set<string>();
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') found.add(parsed.password).add(decodeURIComponent(parsed.password));
    for (const [name, value] of parsed.searchParams) if (credentialParameter.test(name) && value !== '') found.add(value);
  } catch {
    const authority = url.replace(scheme, '');
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at > 0 && colon >= 0 && colon < at) found.add(authority.slice(colon + 1, at));
  }
  return [...found].filter((secret) => secret.length > 0);
}

/** `text` with every credential of `url` in it, and every URL-shaped credential, replaced by `***`. */
export function maskCredentials(text: string, url: string): string {
  let masked = text;
  for (const secret of urlCredentials(url).sort((a, b) => b.length - a.length)) masked = masked.split(secret).join('***');
  return masked.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, (found) => maskUrl(found));
}
