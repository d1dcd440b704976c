import { redact } from '../../secrets/redaction.js';

/** The longest part of a plugin's stderr line a failure line quotes. */
const maxChars = 200;

/** `name=value` or `name: value` where the name says the value is a credential. */
const namedSecret = /\b([\w.-]*(?:token|secret|password|passwd|pwd|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?key|authorization|cookie)[\w.-]*)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi;
/** `Bearer …` / `Basic …` as in an Authorization header. */
const schemeSecret = /\b(bearer|basic)\s+[^\s"',;]+/gi;
/** A JWT (three base64url parts, the first a JSON header). */
const jwt = /\beyJ[\w-]*\.[\w-]*\.[\w-]*/g;
/** A long unbroken run of key-like characters: a secret when it has a digit or mixed case (a lower-case path does not). */
const opaqueRun = /[A-Za-z0-9+/_-]{32,}={0,2}/g;

/**
 * The last non-empty line a plugin wrote on stderr, for the one line that says it failed. Plugins log what
 * went wrong with their own credentials (a refresh token, a client secret, the token they got), so whatever
 * looks like one is masked, and so is every value in `known` (credentials this process holds).
 */
export function lastLineWithoutSecrets(stderr: string, known: readonly (string | undefined)[] = []): string {
  const lines = stderr
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  let line = lines.at(-1) ?? '';
  line = redact(line, known.filter((secret): secret is string => Boolean(secret)), '***');
  line = line
    .replace(schemeSecret, '$1 ***')
    .replace(namedSecret, '$1$2***')
    .replace(jwt, '***')
    .replace(opaqueRun, (run) => (/\d/.test(run) || (/[a-z]/.test(run) && /[A-Z]/.test(run)) ? '***' : run));
  return line.length > maxChars ? `${line.slice(0, maxChars)}…` : line;
}
