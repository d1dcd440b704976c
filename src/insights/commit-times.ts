import { spawnSync } from 'node:child_process';

/** The git checkout a command runs in, which knows the commit times of records made before shiplog kept them. */
export type Checkout = { available: true; dir: string; shallow: boolean } | { available: false; reason: string };

export function openCheckout(dir = process.cwd()): Checkout {
  const git = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (git.error) return { available: false, reason: `git could not be run (${git.error.message})` };
  if (git.status !== 0) return { available: false, reason: `${dir} is not a git checkout (${git.stderr.trim().split('\n')[0]})` };
  return { available: true, dir, shallow: git.stdout.trim() === 'true' };
}

/**
 * When each commit was made (committer time, epoch ms), for the commits the checkout has: one `git cat-file --batch`
 * for all of them, reading nothing but objects.
 */
export function readCommitTimes(checkout: Extract<Checkout, { available: true }>, shas: readonly string[]): Map<string, number> {
  const wanted = [...new Set(shas)].filter((sha) => /^[0-9a-f]{4,64}$/i.test(sha));
  if (wanted.length === 0) return new Map();
  const git = spawnSync('git', ['cat-file', '--batch'], { cwd: checkout.dir, input: `${wanted.join('\n')}\n`, maxBuffer: 256 * 1024 * 1024 });
  if (git.status !== 0) return new Map();
  return parseBatch(git.stdout, wanted);
}

/** `git cat-file --batch` answers each name in order: `NAME missing`, or `SHA TYPE SIZE` followed by SIZE bytes and a newline. */
function parseBatch(output: Buffer, names: readonly string[]): Map<string, number> {
  const times = new Map<string, number>();
  let at = 0;
  for (const name of names) {
    const end = output.indexOf(0x0a, at);
    if (end < 0) break;
    const header = output.subarray(at, end).toString().split(' ');
    at = end + 1;
    if (header.length !== 3) continue;
    const size = Number(header[2]);
    const body = output.subarray(at, at + size).toString();
    at += size + 1;
    const committed = header[1] === 'commit' ? /^committer .* (\d+) [+-]\d{4}$/m.exec(body) : null;
    if (committed) times.set(name, Number(committed[1]) * 1000);
  }
  return times;
}
