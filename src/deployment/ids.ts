import { randomBytes } from 'node:crypto';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (48-bit millisecond time + 80 random bits, Crockford base32): sorts by creation time and never
 * collides between processes that create records in the same millisecond.
 */
export function ulid(now = Date.now()): string {
  let time = '';
  for (let rest = now, i = 0; i < 10; i += 1, rest = Math.floor(rest / 32)) {
    time = crockford[rest % 32] + time;
  }
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += crockford[random[i]! % 32];
  return time + tail;
}

export function newDeploymentKey(now = Date.now()): string {
  return `dep_${ulid(now)}`;
}
