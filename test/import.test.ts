import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ImportReport } from '../src/commands/import.js';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { klepaasHistoryTable } from './support/klepaas-schema.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

/** A klepaas database as its later versions left it: an environment column and rollback links. */
function klepaasFile(dir: string): string {
  const path = join(dir, 'klepaas.db');
  const db = new Database(path);
  db.exec(klepaasHistoryTable);
  const insert = db.prepare(`insert into deployment_histories (id, user_id, github_owner, github_repo, github_commit_sha, github_commit_message,
    sourcedeploy_project_id, deploy_id, status, image_name, image_tag, environment, is_rollback, rollback_from_id, started_at, completed_at, created_at, error_message, error_stage)
    values (?, 'kim', 'acme', 'shop', ?, ?, '311', ?, ?, 'registry.example/shop', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  insert.run(1, 'aaaa111', 'first', '9001', 'success', 'v1', 'production', 0, null, '2025-03-01 10:00:00', '2025-03-01 10:04:00', '2025-03-01 10:00:00', null, null);
  insert.run(2, 'bbbb222', 'second', '9002', 'rolled_back', 'v2', 'production', 0, null, '2025-03-02 10:00:00', '2025-03-02 10:05:00', '2025-03-02 10:00:00', null, null);
  insert.run(3, 'aaaa111', 'back to v1', '9003', 'success', 'v1', 'production', 1, 2, '2025-03-02 11:00:00', '2025-03-02 11:03:00', '2025-03-02 11:00:00', null, null);
  insert.run(4, 'cccc333', 'third', '9004', 'failed', 'v3', 'production', 0, null, '2025-03-03 10:00:00', '2025-03-03 10:02:00', '2025-03-03 10:00:00', 'image pull failed', 'sourcedeploy');
  insert.run(5, 'dddd444', 'fourth', '9005', 'running', 'v4', null, 0, null, '2025-03-04 10:00:00', null, '2025-03-04 10:00:00', null, null);
  insert.run(6, 'eeee555', 'odd', '9006', 'exploded', 'v5', 'production', 0, null, '2025-03-05 10:00:00', null, '2025-03-05 10:00:00', null, null);
  db.close();
  return path;
}

/** sbkube's state tables as its SQLAlchemy models create them (`sbkube/models/deployment_state.py`). */
const sbkubeSchema = `
  create table deployments (id integer primary key, deployment_id varchar(64) not null unique, timestamp datetime not null, cluster varchar(255) not null,
    namespace varchar(255) not null, app_config_dir varchar(1024) not null, config_file_path varchar(1024) not null, command varchar(50) not null,
    command_args json, dry_run boolean, status varchar(20), error_message text, config_snapshot json not null, sources_snapshot json, sbkube_version varchar(20), operator varchar(255));
  create table app_deployments (id integer primary key, deployment_id integer not null references deployments(id), app_name varchar(255) not null,
    app_type varchar(50) not null, namespace varchar(255), status varchar(20), error_message text, app_config json not null, deployment_metadata json, rollback_info json);
  create table helm_releases (id integer primary key, app_deployment_id integer not null references app_deployments(id), release_name varchar(255) not null,
    namespace varchar(255) not null, chart varchar(255) not null, chart_version varchar(50), app_version varchar(50), revision integer not null, "values" json, status varchar(50) not null,
    constraint uq_helm_release unique (release_name, namespace));`;

/** An sbkube state file: two runs of two apps, a dry run, and a rollback. */
function sbkubeFile(dir: string): string {
  const path = join(dir, 'deployments.db');
  const db = new Database(path);
  db.exec(sbkubeSchema);
  const run = db.prepare(`insert into deployments values (?, ?, ?, 'k3s-prod', 'apps', 'config', 'config/config.yaml', ?, null, ?, ?, null, '{}', null, '0.6.1', 'lee')`);
  const app = db.prepare(`insert into app_deployments values (?, ?, ?, 'helm', 'apps', ?, ?, '{}', null, null)`);
  run.run(1, 'run-1', '2025-04-01 09:00:00.123456', 'deploy', 0, 'success');
  app.run(1, 1, 'redis', 'success', null);
  app.run(2, 1, 'api', 'failed', 'helm upgrade failed');
  run.run(2, 'run-2', '2025-04-02 09:00:00', 'deploy', 1, 'success');
  app.run(3, 2, 'redis', 'success', null);
  run.run(3, 'run-3', '2025-04-03 09:00:00', 'rollback', 0, 'success');
  app.run(4, 3, 'api', 'success', null);
  db.prepare(`insert into helm_releases values (1, 1, 'redis', 'apps', 'bitnami/redis', '18.1.0', '7.2.4', 3, null, 'deployed')`).run();
  db.close();
  return path;
}

/**
 * An sbkube state file as sbkube writes it: JSON `command_args` and `app_config`, a per-app `rolled_back`, and
 * `helm_releases` holding only the first run of each release (its unique release and namespace), so later runs
 * carry their chart version in `app_config` alone. api 1.1.0 was rolled back by the rollback naming its run; api
 * 1.2.0 by a rollback that names no run.
 */
function sbkubeStateFile(dir: string): string {
  const path = join(dir, 'state.db');
  const db = new Database(path);
  db.exec(sbkubeSchema);
  const run = db.prepare(`insert into deployments values (?, ?, ?, 'k3s-prod', 'apps', 'config', 'config/config.yaml', ?, ?, 0, 'success', null, '{}', null, '0.7.1', 'lee')`);
  const app = db.prepare(`insert into app_deployments values (?, ?, ?, 'helm', 'apps', ?, null, ?, null, null)`);
  const chart = (name: string, version: string) => JSON.stringify({ type: 'helm', chart: `charts/${name}`, version });
  run.run(1, 'dep-20250601090000-a1', '2025-06-01 09:00:00', 'deploy', '{"app": null}');
  app.run(1, 1, 'redis', 'success', chart('redis', '18.1.0'));
  app.run(2, 1, 'api', 'success', chart('api', '1.0.0'));
  db.prepare(`insert into helm_releases values (1, 1, 'redis', 'apps', 'charts/redis', '18.1.0', '7.2.4', 1, null, 'deployed')`).run();
  db.prepare(`insert into helm_releases values (2, 2, 'api', 'apps', 'charts/api', '1.0.0', '1.0.0', 1, null, 'deployed')`).run();
  run.run(2, 'dep-20250602090000-b2', '2025-06-02 09:00:00', 'deploy', null);
  app.run(3, 2, 'api', 'rolled_back', chart('api', '1.1.0'));
  app.run(4, 2, 'redis', 'success', chart('redis', '18.2.0'));
  run.run(3, 'dep-20250602100000-c3', '2025-06-02 10:00:00', 'rollback', '{"deployment_id": "dep-20250602090000-b2", "target": "dep-20250601090000-a1"}');
  app.run(5, 3, 'api', 'success', chart('api', '1.0.0'));
  run.run(4, 'dep-20250603090000-d4', '2025-06-03 09:00:00', 'deploy', null);
  app.run(6, 4, 'api', 'success', chart('api', '1.2.0'));
  app.run(7, 4, 'redis', 'in_progress', chart('redis', '18.3.0'));
  run.run(5, 'dep-20250603100000-e5', '2025-06-03 10:00:00', 'rollback', '{}');
  app.run(8, 5, 'api', 'success', chart('api', '1.0.0'));
  db.close();
  return path;
}

interface KlepaasRun {
  id: number;
  sha: string;
  tag: string;
  status: string;
  /** When klepaas created the row, UTC (`YYYY-MM-DD HH:MM:SS`). */
  at: string;
  completedAt?: string;
}

/** A klepaas file of one repository's runs, written afresh each time (a newer copy of the same history). */
function writeKlepaas(path: string, runs: KlepaasRun[]): string {
  const db = new Database(path);
  db.exec(`drop table if exists deployment_histories;
    create table deployment_histories (id integer primary key, user_id varchar(255) not null, github_owner varchar(255) not null,
      github_repo varchar(255) not null, github_commit_sha varchar(255), status varchar(50) not null, image_tag varchar(100),
      started_at datetime not null, completed_at datetime, created_at datetime)`);
  const insert = db.prepare(`insert into deployment_histories values (?, 'kim', 'acme', 'shop', ?, ?, ?, ?, ?, ?)`);
  for (const run of runs) insert.run(run.id, run.sha, run.status, run.tag, run.at, run.completedAt ?? null, run.at);
  db.close();
  return path;
}

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describeEachStore('import on %s', (kind) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(kind);
  });
  afterEach(async () => store.cleanup());

  const history = async () => (await runCliJson<DeploymentJson[]>(['--db', store.spec, 'history', '--limit', '100'])).json;

  it('brings a klepaas history in once, reading the file only, with rollbacks linked and running ones stale', async () => {
    const file = klepaasFile(store.dir);
    const before = digest(file);

    const { result, json } = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'klepaas', file, '--env', 'staging']);
    const again = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'klepaas', file, '--env', 'staging']);

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 5, imported: 5, alreadyImported: 0, skipped: [{ reason: 'a status shiplog does not know (exploded)', count: 1 }] });
    expect(again.json).toMatchObject({ read: 5, imported: 0, alreadyImported: 5 });
    expect(digest(file)).toBe(before);
    const records = await history();
    expect(records).toHaveLength(5);
    const byVersion = (version: string, rollback = false) => records.find((d) => d.version === version && d.isRollback === rollback)!;
    expect(byVersion('v1')).toMatchObject({
      app: 'shop',
      env: 'production',
      status: 'success',
      commitSha: 'aaaa111',
      repo: 'acme/shop',
      image: 'registry.example/shop:v1',
      provider: 'ncp',
      target: { projectId: '311', ncpDeployId: '9001' },
      operator: 'kim',
      createdAt: '2025-03-01T10:00:00.000Z',
      completedAt: '2025-03-01T10:04:00.000Z',
    });
    expect(byVersion('v2').rolledBackBy).toBe(byVersion('v1', true).id);
    expect(byVersion('v1', true)).toMatchObject({ status: 'success', rollbackOf: byVersion('v2').id });
    expect(byVersion('v3')).toMatchObject({ status: 'failed', error: 'sourcedeploy: image pull failed' });
    expect(byVersion('v4')).toMatchObject({ status: 'stale', env: 'staging', completedAt: null });
  });

  it('brings in each app of each sbkube run, leaving dry runs out', async () => {
    const file = sbkubeFile(store.dir);

    const { result, json } = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'sbkube', file]);

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 3, imported: 3, skipped: [{ reason: 'a dry run, which changed nothing', count: 1 }] });
    const records = await history();
    expect(records.map((d) => [d.app, d.env, d.status, d.isRollback, d.version]).sort()).toEqual([
      ['api', 'k3s-prod', 'failed', false, null],
      ['api', 'k3s-prod', 'success', true, null],
      ['redis', 'k3s-prod', 'success', false, '18.1.0'],
    ]);
    expect(records.find((d) => d.app === 'redis')).toMatchObject({ operator: 'lee', createdAt: '2025-04-01T09:00:00.123Z', message: 'sbkube deploy in namespace apps' });
  });

  it('keeps what an sbkube state file knows: chart versions from app_config, rollback links, rolled-back apps counted as changes that failed', async () => {
    const file = sbkubeStateFile(store.dir);

    const { result, json } = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'sbkube', file]);

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 8, imported: 8, skipped: [] });
    const records = await history();
    const run = (app: string, created: string) => records.find((d) => d.app === app && d.createdAt === `2025-06-0${created}:00:00.000Z`)!;
    expect(records.map((d) => [d.app, d.version, d.status]).sort()).toEqual([
      ['api', '1.0.0', 'success'],
      ['api', '1.0.0', 'success'],
      ['api', '1.0.0', 'success'],
      ['api', '1.1.0', 'success'],
      ['api', '1.2.0', 'success'],
      ['redis', '18.1.0', 'success'],
      ['redis', '18.2.0', 'success'],
      ['redis', '18.3.0', 'stale'],
    ]);
    const [rolledBack, namedRollback] = [run('api', '2T09'), run('api', '2T10')];
    expect(namedRollback).toMatchObject({ isRollback: true, rollbackOf: rolledBack.id });
    expect(rolledBack).toMatchObject({ status: 'success', rolledBackBy: namedRollback.id });
    expect(run('api', '3T10')).toMatchObject({ isRollback: true, rollbackOf: run('api', '3T09').id });
    expect(run('api', '3T09').rolledBackBy).toBe(run('api', '3T10').id);
    const stats = (await runCliJson<{ changeFailureRate: { rolledBack: number } }>(['--db', store.spec, 'stats', '--since', '2025-01-01'])).json;
    expect(stats.changeFailureRate.rolledBack).toBe(2);
  });

  it('adds nothing when importing again after cleanup merged duplicates: the merged records keep their source rows', async () => {
    const file = writeKlepaas(join(store.dir, 'klepaas.db'), [
      { id: 1, sha: 'aaaa111', tag: 'v1', status: 'success', at: '2025-03-01 10:00:00', completedAt: '2025-03-01 10:04:00' },
      { id: 2, sha: 'aaaa111', tag: 'v1', status: 'success', at: '2025-03-01 10:00:20', completedAt: '2025-03-01 10:04:10' },
      { id: 3, sha: 'bbbb222', tag: 'v2', status: 'success', at: '2025-03-02 10:00:00', completedAt: '2025-03-02 10:04:00' },
    ]);
    await runCliJson(['--db', store.spec, 'import', '--from', 'klepaas', file, '--env', 'prod']);
    const merge = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--duplicates', '--apply']);
    expect(merge.json.duplicates).toMatchObject({ records: 1 });

    const { result, json } = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'klepaas', file, '--env', 'prod']);

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 3, imported: 0, alreadyImported: 3, settled: 0 });
    expect(await history()).toHaveLength(2);
  });

  it('keeps the keys of a record merged into another answering with that one: deploy --key and show', async () => {
    const deploy = (key: string) => runCliJson(['--db', store.spec, 'deploy', '--app', 'web', '--env', 'prod', '--version', '1.0.0', '--key', key]);
    const first = (await deploy('ci-run-1')).json;
    await runCli(['--db', store.spec, 'finish', first.key, '--status', 'success']);
    const second = (await deploy('ci-run-2')).json;
    await runCli(['--db', store.spec, 'finish', second.key, '--status', 'success']);
    const merge = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--duplicates', '--apply']);
    expect(merge.json.duplicates!.groups.map((group) => [group.kept.key, group.duplicates.map((d) => d.key)])).toEqual([[second.key, [first.key]]]);

    const again = await deploy('ci-run-1');
    const byKey = await runCliJson(['--db', store.spec, 'show', first.key]);
    const byId = await runCliJson(['--db', store.spec, 'show', String(first.id)]);

    expect(again.result.code, again.result.stderr).toBe(0);
    expect(again.json).toMatchObject({ key: second.key, status: 'success' });
    expect([byKey.json.key, byId.json.key]).toEqual([second.key, second.key]);
    expect(await history()).toHaveLength(1);
  });

  it('settles what a newer copy of the source has settled since, and touches nothing else imported before', async () => {
    const runs: KlepaasRun[] = [
      { id: 1, sha: 'aaaa111', tag: 'v1', status: 'running', at: '2025-03-01 10:00:00' },
      { id: 2, sha: 'bbbb222', tag: 'v2', status: 'running', at: '2025-03-02 10:00:00' },
      { id: 3, sha: 'cccc333', tag: 'v3', status: 'success', at: '2025-03-03 10:00:00', completedAt: '2025-03-03 10:04:00' },
    ];
    await runCliJson(['--db', store.spec, 'import', '--from', 'klepaas', writeKlepaas(join(store.dir, 'old.db'), runs), '--env', 'prod']);
    const newer = writeKlepaas(join(store.dir, 'new.db'), [
      { ...runs[0]!, status: 'success', completedAt: '2025-03-01 10:05:00' },
      runs[1]!,
      { ...runs[2]!, status: 'failed' },
      { id: 4, sha: 'dddd444', tag: 'v4', status: 'failed', at: '2025-03-04 10:00:00', completedAt: '2025-03-04 10:01:00' },
    ]);

    const { result, json } = await runCliJson<ImportReport>(['--db', store.spec, 'import', '--from', 'klepaas', newer, '--env', 'prod']);

    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({ read: 4, imported: 1, alreadyImported: 3, settled: 1 });
    const byVersion = new Map((await history()).map((d) => [d.version, d]));
    expect(['v1', 'v2', 'v3', 'v4'].map((version) => byVersion.get(version)!.status)).toEqual(['success', 'stale', 'success', 'failed']);
    expect(byVersion.get('v1')!.completedAt).toBe('2025-03-01T10:05:00.000Z');
    const events = (await runCliJson(['--db', store.spec, 'show', byVersion.get('v1')!.key])).json.events!;
    expect(events.map((event) => [event.source, event.from, event.to])).toEqual([
      ['import', null, 'stale'],
      ['import', 'stale', 'success'],
    ]);
  });

  it('refuses with exit 2, writing nothing, a file that is not what --from says or lacks what it needs', async () => {
    const notSqlite = join(store.dir, 'notes.txt');
    writeFileSync(notSqlite, 'not a database');
    const olderKlepaas = join(store.dir, 'old-klepaas.db');
    const db = new Database(olderKlepaas);
    db.exec(`create table deployment_histories (id integer primary key, github_owner text, github_repo text, status text, created_at datetime)`);
    db.close();
    const before = await snapshot(store);

    for (const args of [
      ['--from', 'klepaas', notSqlite],
      ['--from', 'sbkube', olderKlepaas],
      ['--from', 'klepaas', olderKlepaas],
      ['--from', 'helm', olderKlepaas],
      ['--from', 'klepaas', join(store.dir, 'missing.db')],
    ]) {
      const result = await runCli(['--db', store.spec, 'import', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses with exit 2 a table of the right name whose columns are not the tool\'s, naming the missing ones', async () => {
    const path = join(store.dir, 'other.db');
    const db = new Database(path);
    db.exec(`create table deployments (id integer primary key, name text, cluster text, created text);
      create table app_deployments (id integer primary key, deployment_id integer, app_name text, status text)`);
    db.close();

    const result = await runCli(['--db', store.spec, 'import', '--from', 'sbkube', path]);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/deployments table has no deployment_id, timestamp(, \w+)* columns/);
    expect(result.stderr).not.toContain('no such column');
  });
});
