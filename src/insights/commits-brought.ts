import { spawnSync } from 'node:child_process';
import type { BroughtCommit } from '../db/deployment-commits.js';

/** A range longer than this is a history merged in, not a team's change: its newest commits stand for it. */
const mostCommits = 1_000;

const commitName = /^[0-9a-f]{4,64}$/i;

/**
 * The commits a deployment of `head` brings since `previous` (the commit of the last success of its app and
 * environment, asked only once the checkout is seen to have the head), as the checkout in `cwd` has them: `previous..head`, and the head itself, so a redeploy still names
 * its change. A first deployment brings its head alone: the history before it is not its change. A checkout that
 * lacks `previous` gives the head alone, marked shallow when the checkout is a shallow clone (the usual CI case).
 * Nothing when the checkout lacks the head, or when there is no checkout: records without commits fall back to the
 * checkout `stats` runs in.
 */
export async function readCommitsBrought(head: string, previousOf: () => Promise<string | null>, cwd = process.cwd()): Promise<BroughtCommit[]> {
  if (!commitName.test(head)) return [];
  const headOnly = gitLog(['--max-count=1', head], cwd);
  if (headOnly === undefined || headOnly.length === 0) return [];
  const previous = await previousOf();
  if (previous === null || !commitName.test(previous)) return headOnly;
  const range = gitLog([`--max-count=${mostCommits}`, `${previous}..${head}`], cwd);
  if (range === undefined) return [{ ...headOnly[0]!, shallow: isShallow(cwd) }];
  return range.some((c) => c.sha === headOnly[0]!.sha) ? range : [...headOnly, ...range];
}

function gitLog(args: string[], cwd: string): BroughtCommit[] | undefined {
  const git = spawnSync('git', ['log', '--format=%H %ct', ...args, '--'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (git.status !== 0) return undefined;
  return git.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [sha, seconds] = line.split(' ');
      return { sha: sha!, committedAt: new Date(Number(seconds) * 1000).toISOString(), shallow: false };
    });
}

function isShallow(cwd: string): boolean {
  const git = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return git.status === 0 && git.stdout.trim() === 'true';
}
