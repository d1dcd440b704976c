import { UsageError } from '../errors.js';

/**
 * A deploy service's base or status URL from the command line, checked before anything is recorded: http or
 * https, and no user:password part, since the URL is kept on the record where a password must never be.
 */
export function serviceUrl(text: string, option: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${option}: not a URL; write it like https://host/path`, 'bad_value');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${option}: only http and https URLs are supported`, 'bad_value');
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${option}: the URL carries a user or password, which would be stored; pass credentials with --header 'Name: env:VAR' instead`, 'bad_value');
  }
  return url.toString();
}
