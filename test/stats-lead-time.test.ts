import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Stats } from '../src/commands/stats.js';
import { openStore } from '../src/db/open-store.js';
import { runCli, runCliJson } from './support/cli.js';
import { ago, minutes } from './support/history-rows.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

const hours = (n: number) => minutes(60 * n);

/** A git repository of its own in `dir`, whose commits are made `committedAgo` before now. */
function gitRepo(dir: string) {
  mkdirSync(dir, { recursive: true });
  const git = (args: string[], committedAgo = 0) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_COMMITTER_DATE: ago(committedAgo).toISOString(),
      },
    }).trim();
  git(['init', '-q', '-b', 'main']);
  return {
    dir,
    commit(committedAgo: number): string {
      git(['commit', '-q', '--allow-empty', '-m', `change ${committedAgo}`], committedAgo);
      return git(['rev-parse', 'HEAD']);
    },
    /** A clone with only the newest commit, as CI checks out by default (actions/checkout's fetch-depth: 1). */
    shallowClone(into: string): string {
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, into]);
      return into;
    },
  };
}

describeEachStore('lead time per change on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const deploy = async (app: string, sha: string, cwd: string) => {
    const result = await runCli(['--db', store.spec, 'deploy', '--app', app, '--env', 'prod', '--commit', sha, '--', 'true'], { cwd });
    expect(result.code, result.stderr).toBe(0);
  };

  const commitsOf = async (app: string) => {
    const opened = await openStore(store.spec, 'read');
    try {
      return await opened.read((tx) =>
        tx
          .selectFrom('deployment_commits as c')
          .innerJoin('deployments as d', 'd.id', 'c.deployment_id')
          .select(['d.id', 'c.sha', 'c.shallow'])
          .where('d.app', '=', app)
          .orderBy('d.id')
          .orderBy('c.committed_at')
          .execute(),
      );
    } finally {
      await opened.close();
    }
  };

  it("measures every change of two repositories' deployments from the store alone, outside any checkout", async () => {
    const api = gitRepo(join(store.dir, 'api'));
    const web = gitRepo(join(store.dir, 'web'));
    const first = api.commit(hours(5));
    await deploy('api', first, api.dir);
    const second = api.commit(hours(3));
    const third = api.commit(hours(2));
    await deploy('api', third, api.dir);
    await deploy('web', web.commit(hours(10)), web.dir);

    const all = await runCliJson<Stats>(['--db', store.spec, 'stats', '--env', 'prod'], { cwd: store.dir });
    const webOnly = await runCliJson<Stats>(['--db', store.spec, 'stats', '--app', 'web'], { cwd: store.dir });

    // The second deployment brought two commits: four changes, 5h, 3h, 2h and 10h, median 4h.
    expect((await commitsOf('api')).map((c) => c.sha)).toEqual([first, second, third]);
    expect(all.json.leadTime).toMatchObject({ measured: 4, unknown: 0, note: null, tier: 'elite' });
    expect(all.json.leadTime.medianMs! / hours(1)).toBeCloseTo(4, 1);
    expect(webOnly.json.leadTime).toMatchObject({ measured: 1, unknown: 0 });
    expect(webOnly.json.leadTime.medianMs! / hours(1)).toBeCloseTo(10, 1);
  });

  it('records the head alone, marked shallow, when the checkout lacks the previous deployment', async () => {
    const api = gitRepo(join(store.dir, 'api'));
    await deploy('api', api.commit(hours(5)), api.dir);
    api.commit(hours(3));
    const head = api.commit(hours(2));
    const shallow = api.shallowClone(join(store.dir, 'shallow'));

    await deploy('api', head, shallow);

    const recorded = await commitsOf('api');
    expect(recorded.map((c) => [c.sha, Number(c.shallow)])).toEqual([
      [recorded[0]!.sha, 0],
      [head, 1],
    ]);
    const { json } = await runCliJson<Stats>(['--db', store.spec, 'stats'], { cwd: store.dir });
    expect(json.leadTime).toMatchObject({ measured: 2, unknown: 0 });
  });

  it('says which commits a shallow clone lacks for records made without them, in the table and in the JSON', async () => {
    const api = gitRepo(join(store.dir, 'api'));
    const old = [api.commit(hours(5)), api.commit(hours(3))];
    // Deployed from outside any checkout: the records carry their commits but not their times.
    for (const sha of old) await deploy('api', sha, store.dir);
    api.commit(hours(1));
    const shallow = api.shallowClone(join(store.dir, 'shallow'));

    const { json } = await runCliJson<Stats>(['--db', store.spec, 'stats'], { cwd: shallow });
    const text = await runCli(['--db', store.spec, 'stats'], { cwd: shallow });

    expect(json.leadTime).toMatchObject({ medianMs: null, measured: 0, unknown: 2 });
    for (const expected of [...old, 'shallow clone', 'fetch-depth: 0']) {
      expect(json.leadTime.note).toContain(expected);
      expect(text.stdout).toContain(expected);
    }
    expect(text.stdout).toContain('unknown for 2 changes');
  });
});
