import { urlCredentials } from './masked-url.js';

/** What a secret's value becomes in text shiplog keeps or prints. */
export const redactedMark = '[redacted]';

/**
 * Credential variables shiplog knows, whatever their names look like: the NCP keys it signs with, the GitHub
 * token, the PostgreSQL password, and the store URL (whose password is read out below, like any URL's).
 */
const knownCredentialVariables = ['NCLOUD_ACCESS_KEY', 'NCLOUD_SECRET_KEY', 'NCP_ACCESS_KEY', 'NCP_SECRET_KEY', 'GITHUB_TOKEN', 'GH_TOKEN', 'PGPASSWORD'];
/** Names that say a variable holds a secret: `*_TOKEN`, `*_SECRET*`, `*_KEY`, `*PASSWORD*` (any case). */
const secretLookingName = /(^|_)TOKEN$|(^|_)SECRET|(^|_)KEY$|PASSWORD|PASSWD/i;
/**
 * Shorter values are not redacted: blanking every `1` or `dev` out of a command's output would hide what went
 * wrong, and a value that short protects nothing anyway.
 */
const minSecretLength = 4;

/**
 * The secret values of an environment: those of the known credential variables and of every variable whose
 * name looks secret, and the credentials of any URL (`SHIPLOG_DB`, `DATABASE_URL`, a proxy), read as the
 * store's messages read them: the password raw and decoded, and `?password=`. A value over several lines (a PEM key) also counts line by line, so a part of it cut off by a
 * tail is still found. Longest first, so a secret that contains another is blanked whole.
 */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (knownCredentialVariables.includes(name) || secretLookingName.test(name)) {
      values.add(value);
      for (const line of value.split(/\r?\n/)) values.add(line.trim());
    }
    for (const credential of urlCredentials(value)) values.add(credential);
  }
  return [...values].filter((value) => value.length >= minSecretLength).sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by the mark. */
export function redact(text: string, secrets: readonly string[], mark = redactedMark): string {
  let redacted = text;
  for (const secret of secrets) redacted = redacted.split(secret).join(mark);
  return redacted;
}
