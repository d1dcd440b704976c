import { userInfo } from 'node:os';
import envCi from 'env-ci';

/** What a CI system tells about the run that deploys; fills the fields a deploy command left out. */
export interface CiMetadata {
  commitSha?: string;
  repo?: string;
  operator?: string;
  ciRunUrl?: string;
}

/**
 * GitHub Actions and GitLab CI are read here as shiplog always read them (the run URL with its attempt, the
 * user who started the pipeline). Every other CI system is recognised by env-ci, which knows some thirty of
 * them and reads commit, repository and build URL from their variables; the bundle gives it no way to run
 * git (scripts/build.mjs), so this never starts a process. Who started the run is not among what env-ci
 * reads: `actorVariables` names it for the systems that say it, and `gapsFilled` adds what env-ci leaves out
 * for a few systems.
 */
export function ciMetadata(env: NodeJS.ProcessEnv = process.env): CiMetadata {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const attempt = env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
    return clean({
      commitSha: env.GITHUB_SHA,
      repo: env.GITHUB_REPOSITORY,
      operator: env.GITHUB_ACTOR,
      ciRunUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}` : undefined,
    });
  }
  if (env.GITLAB_CI === 'true') {
    return clean({
      commitSha: env.CI_COMMIT_SHA,
      repo: env.CI_PROJECT_PATH,
      operator: env.GITLAB_USER_LOGIN,
      ciRunUrl: env.CI_PIPELINE_URL,
    });
  }
  const local = { operator: env.USER ?? env.LOGNAME ?? safeUsername() };
  const ci = envCi({ env, cwd: process.cwd() });
  if (!ci.isCi || ci.service === undefined) return clean(local);
  const filled = gapsFilled[ci.service]?.(env) ?? {};
  return clean({
    commitSha: ci.commit,
    repo: ci.slug ?? filled.slug,
    operator: firstSet(env, actorVariables[ci.service] ?? []) ?? local.operator,
    ciRunUrl: ci.buildUrl ?? filled.buildUrl,
  });
}

/** Who started the run, by env-ci's service name: the first of these variables that is set. */
const actorVariables: Record<string, readonly string[]> = {
  circleci: ['CIRCLE_USERNAME'],
  buildkite: ['BUILDKITE_BUILD_CREATOR_EMAIL', 'BUILDKITE_BUILD_CREATOR'],
  // BUILD_USER_ID comes from Jenkins' build-user-vars plugin; CHANGE_AUTHOR from multibranch pipelines.
  jenkins: ['BUILD_USER_ID', 'CHANGE_AUTHOR'],
  azurePipelines: ['BUILD_REQUESTEDFOREMAIL', 'BUILD_REQUESTEDFOR'],
  // Bitbucket names the user who started a step only by an opaque UUID, which says less than nothing.
  bitbucket: [],
};

/** What env-ci leaves out for some systems, from those systems' own variables. */
const gapsFilled: Record<string, (env: NodeJS.ProcessEnv) => { buildUrl?: string; slug?: string }> = {
  azurePipelines: azureRun,
  // Jenkins' git plugin names the repository only by its clone URL.
  jenkins: (env) => ({ slug: repositoryOfGitUrl(env.GIT_URL) }),
};

/** env-ci gives Azure Pipelines neither a build URL nor a repository; Azure's own variables make both. */
function azureRun(env: NodeJS.ProcessEnv): { buildUrl?: string; slug?: string } {
  const collection = env.SYSTEM_COLLECTIONURI;
  const project = env.SYSTEM_TEAMPROJECT;
  const buildUrl =
    collection && project && env.BUILD_BUILDID
      ? `${collection.replace(/\/*$/, '/')}${encodeURIComponent(project)}/_build/results?buildId=${encodeURIComponent(env.BUILD_BUILDID)}`
      : undefined;
  // A GitHub-hosted repository is named OWNER/NAME; an Azure Repos one only NAME, so its project is prefixed.
  const name = env.BUILD_REPOSITORY_NAME;
  const slug = name === undefined ? undefined : name.includes('/') ? name : project ? `${project}/${name}` : undefined;
  return { buildUrl, slug };
}

/** OWNER/NAME from a clone URL: `https://host/acme/web.git`, `git@host:acme/web.git`, `ssh://git@host:22/acme/web`. */
function repositoryOfGitUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const scp = /^[^@/]+@[^:/]+:(?!\/)(.+)$/.exec(url);
  let path: string;
  try {
    path = scp ? scp[1]! : new URL(url).pathname;
  } catch {
    return undefined;
  }
  return path.replace(/^\/+/, '').replace(/\.git\/?$/, '').replace(/\/+$/, '') || undefined;
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  return names.map((name) => env[name]).find((value) => value !== undefined && value.trim().length > 0);
}

function safeUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * Keeps only the values that look like what they claim to be. A CI value fills a field the user left out, so it
 * must never be the reason a deploy is refused: env-ci builds some values from parts that may be missing
 * (CircleCI's slug from two variables, Bitbucket's URL from the repository name), and those come out as
 * `undefined/undefined`.
 */
function clean(metadata: CiMetadata): CiMetadata {
  const plausible: Record<keyof CiMetadata, (value: string) => boolean> = {
    commitSha: (value) => /^[0-9a-f]{4,64}$/i.test(value),
    repo: (value) => /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)+$/.test(value) && !value.split('/').includes('undefined'),
    operator: (value) => value.trim().length > 0,
    ciRunUrl: (value) => /^https?:\/\/\S+$/.test(value) && !value.includes('/undefined'),
  };
  return Object.fromEntries(
    Object.entries(metadata).filter(([field, value]) => typeof value === 'string' && value.length > 0 && plausible[field as keyof CiMetadata](value)),
  );
}
