import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCliJson } from './support/cli.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const sha = '5eed'.padEnd(40, 'b');

/** Each CI system as its runner sets it up, and the fields a deploy there records without being told them. */
const systems: { name: string; env: NodeJS.ProcessEnv; expected: { commitSha?: string; repo?: string; operator?: string; ciRunUrl?: string } }[] = [
  {
    name: 'CircleCI',
    env: {
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_SHA1: sha,
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'web',
      CIRCLE_BUILD_NUM: '311',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/web/311',
      CIRCLE_USERNAME: 'ada',
    },
    expected: { commitSha: sha, repo: 'acme/web', operator: 'ada', ciRunUrl: 'https://circleci.com/gh/acme/web/311' },
  },
  {
    name: 'Buildkite',
    env: {
      CI: 'true',
      BUILDKITE: 'true',
      BUILDKITE_COMMIT: sha,
      BUILDKITE_REPO: 'git@github.com:acme/web.git',
      BUILDKITE_BUILD_NUMBER: '12',
      BUILDKITE_BUILD_URL: 'https://buildkite.com/acme/web/builds/12',
      BUILDKITE_BUILD_CREATOR: 'Grace Hopper',
      BUILDKITE_BUILD_CREATOR_EMAIL: 'grace@acme.example',
    },
    expected: { commitSha: sha, repo: 'acme/web', operator: 'grace@acme.example', ciRunUrl: 'https://buildkite.com/acme/web/builds/12' },
  },
  {
    name: 'Jenkins',
    env: {
      JENKINS_URL: 'https://jenkins.acme.example/',
      BUILD_ID: '88',
      BUILD_NUMBER: '88',
      BUILD_URL: 'https://jenkins.acme.example/job/web/88/',
      GIT_COMMIT: sha,
      GIT_URL: 'git@github.com:acme/web.git',
      BUILD_USER_ID: 'linus',
    },
    expected: { commitSha: sha, repo: 'acme/web', operator: 'linus', ciRunUrl: 'https://jenkins.acme.example/job/web/88/' },
  },
  {
    name: 'Azure Pipelines',
    env: {
      TF_BUILD: 'True',
      BUILD_BUILDURI: 'vstfs:///Build/Build/1234',
      BUILD_BUILDID: '1234',
      BUILD_SOURCEVERSION: sha,
      BUILD_REPOSITORY_NAME: 'web',
      SYSTEM_COLLECTIONURI: 'https://dev.azure.com/acme/',
      SYSTEM_TEAMPROJECT: 'Platform',
      BUILD_REQUESTEDFOREMAIL: 'margaret@acme.example',
      BUILD_REQUESTEDFOR: 'Margaret Hamilton',
    },
    expected: { commitSha: sha, repo: 'Platform/web', operator: 'margaret@acme.example', ciRunUrl: 'https://dev.azure.com/acme/Platform/_build/results?buildId=1234' },
  },
  {
    name: 'Bitbucket Pipelines',
    env: {
      CI: 'true',
      BITBUCKET_BUILD_NUMBER: '57',
      BITBUCKET_COMMIT: sha,
      BITBUCKET_REPO_FULL_NAME: 'acme/web',
    },
    expected: { commitSha: sha, repo: 'acme/web', ciRunUrl: 'https://bitbucket.org/acme/web/addon/pipelines/home#!/results/57' },
  },
  {
    name: 'GitLab CI',
    env: {
      GITLAB_CI: 'true',
      CI_COMMIT_SHA: sha,
      CI_PROJECT_PATH: 'acme/platform/web',
      CI_PIPELINE_URL: 'https://gitlab.example/acme/platform/web/-/pipelines/9',
      GITLAB_USER_LOGIN: 'dev',
    },
    expected: { commitSha: sha, repo: 'acme/platform/web', operator: 'dev', ciRunUrl: 'https://gitlab.example/acme/platform/web/-/pipelines/9' },
  },
];

describeEachStore('CI detection on %s', (kind) => {
  let store: TestStore;
  const deploy = (env: NodeJS.ProcessEnv, ...more: string[]) => runCliJson(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', ...more], { env });
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  for (const { name, env, expected } of systems) {
    it(`a deploy under ${name} records the commit, repository, who ran it and the run URL it gives`, async () => {
      const { result, json } = await deploy({ USER: 'local-user', ...env });
      expect(result.code, result.stderr).toBe(0);
      expect({ commitSha: json.commitSha, repo: json.repo, operator: json.operator, ciRunUrl: json.ciRunUrl }).toEqual({
        commitSha: expected.commitSha ?? null,
        repo: expected.repo ?? null,
        // Where the system does not say who started the run, the user shiplog runs as is the operator, as outside CI.
        operator: expected.operator ?? 'local-user',
        ciRunUrl: expected.ciRunUrl ?? null,
      });
    });
  }

  it('options given on the command line win over what the CI system says', async () => {
    const { json } = await deploy(systems[0]!.env, '--commit', 'abc1234', '--repo', 'other/repo', '--operator', 'release-bot');
    expect(json).toMatchObject({ commitSha: 'abc1234', repo: 'other/repo', operator: 'release-bot', ciRunUrl: 'https://circleci.com/gh/acme/web/311' });
  });

  it('a CI system that leaves out a part records the rest, never a made-up value', async () => {
    // CircleCI without its project variables: env-ci would make the repository 'undefined/undefined'.
    const { result, json } = await deploy({ CI: 'true', CIRCLECI: 'true', CIRCLE_SHA1: sha, USER: 'local-user' });
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ commitSha: sha, repo: null, ciRunUrl: null, operator: 'local-user' });
  });

  it('outside CI only the operator is filled, from the user shiplog runs as', async () => {
    const { json } = await deploy({ USER: 'local-user' });
    expect(json).toMatchObject({ commitSha: null, repo: null, ciRunUrl: null, operator: 'local-user' });
  });
});
