import type { Deployment } from '../deployment/deployment.js';

/** The commits between two deployments: `from..to` for `git log`, and a page that shows them where the host is known. */
export interface CommitRange {
  repo: string;
  from: string;
  to: string;
  /** `FROM..TO`, as `git log` takes it. */
  range: string;
  /** The host's compare page (GitHub or GitLab), or null when the repository's host cannot be told. */
  compareUrl: string | null;
}

/** The range between the commits of two deployments of one repository; null unless both carry a commit and the same repo. */
export function commitRange(from: Deployment, to: Deployment): CommitRange | null {
  if (!from.commitSha || !to.commitSha || !from.repo || from.repo !== to.repo || from.commitSha === to.commitSha) return null;
  return {
    repo: from.repo,
    from: from.commitSha,
    to: to.commitSha,
    range: `${from.commitSha}..${to.commitSha}`,
    compareUrl: compareUrl(from.repo, from.commitSha, to.commitSha, [to.ciRunUrl, from.ciRunUrl]),
  };
}

/**
 * The host is read from a CI run URL of the same repository when there is one (GitHub Enterprise and
 * self-hosted GitLab included): GitHub's run pages live under `/OWNER/NAME/actions/`, GitLab's under
 * `/GROUP/NAME/-/`. Without one, a plain OWNER/NAME is taken to be on github.com; a deeper path (a GitLab
 * subgroup) names no host we could guess.
 */
function compareUrl(repo: string, from: string, to: string, ciRunUrls: (string | null)[]): string | null {
  for (const runUrl of ciRunUrls) {
    const host = runUrl ? hostOfRun(runUrl, repo) : undefined;
    if (host?.kind === 'github') return `${host.origin}/${repo}/compare/${from}...${to}`;
    if (host?.kind === 'gitlab') return `${host.origin}/${repo}/-/compare/${from}...${to}`;
  }
  return repo.split('/').length === 2 ? `https://github.com/${repo}/compare/${from}...${to}` : null;
}

function hostOfRun(runUrl: string, repo: string): { kind: 'github' | 'gitlab'; origin: string } | undefined {
  let url: URL;
  try {
    url = new URL(runUrl);
  } catch {
    return undefined;
  }
  if (url.pathname.startsWith(`/${repo}/actions/`)) return { kind: 'github', origin: url.origin };
  if (url.pathname.startsWith(`/${repo}/-/`)) return { kind: 'gitlab', origin: url.origin };
  return undefined;
}
