import { spawnSync } from 'node:child_process';

/** When each commit was made (committer time, epoch ms), or why that cannot be known here. */
export type CommitTimes = { available: true; times: Map<string, number> } | { available: false; reason: string };

/**
 * shiplog records a deployment's commit but not when it was made, so the commit times come from the git
 * repository the command runs in (a CI job's checkout, a developer's clone): one `git cat-file --batch` for
 * all commits, reading nothing but objects. Commits the checkout does not have stay unknown.
 */
export function readCommitTimes(shas: readonly string[], cwd = process.cwd()): CommitTimes {
  const wanted = [...new Set(shas)].filter((sha) => /^[0-9a-f]{4,64}$/i.test(sha));
  if (wanted.length === 0) return { available: true, times: new Map() };
  const git = spawnSync('git', ['cat-file', '--batch'], { cwd, input: `${wanted.join('\n')}\n`, maxBuffer: 256 * 1024 * 1024 });
  // Outside a checkout git exits before it reads its input, so writing it may fail (EPIPE): the exit status
  // and git's own words say more than that error.
  if (git.status !== null && git.status !== 0) {
    return { available: false, reason: `${cwd} is not a git checkout (${git.stderr.toString().trim().split('\n')[0]})` };
  }
  if (git.error || git.status !== 0) return { available: false, reason: `git could not be run (${git.error?.message ?? `signal ${git.signal}`})` };
  return { available: true, times: parseBatch(git.stdout, wanted) };
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
