import { userInfo } from 'node:os';

/** What a CI system tells about the run that deploys; fills the fields a deploy command left out. */
export interface CiMetadata {
  commitSha?: string;
  repo?: string;
  operator?: string;
  ciRunUrl?: string;
}

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
  return clean({ operator: env.USER ?? env.LOGNAME ?? safeUsername() });
}

function safeUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function clean(metadata: CiMetadata): CiMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => typeof value === 'string' && value.length > 0));
}
