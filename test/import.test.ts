import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ImportReport } from '../src/commands/import.js';
import { runCli, runCliJson, type DeploymentJson } from './support/cli.js';
import { snapshot } from './support/snapshot.js';
import { createTestStore, describeEachStore, type TestStore } from './support/stores.js';

/** A klepaas database as its later versions left it: an environment column and rollback links. */
function klepaasFile(dir: string): string {
  const path = join(dir, 'klepaas.db');
  const db = new Database(path);
  db.exec(`create table deployment_histories (
    id integer primary key, user_id varchar(255) not null, github_owner varchar(255) not null, github_repo varchar(255) not null,
    github_commit_sha varchar(255), github_commit_message text, sourcedeploy_project_id varchar(255), deploy_id varchar(255),
    status varchar(50) not null, image_name varchar(500), image_tag varchar(100), environment varchar, is_rollback boolean,
    rollback_from_id integer, started_at datetime not null, completed_at datetime, created_at datetime, error_message text, error_stage varchar(50))`);
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

/** An sbkube state file: two runs of two apps, a dry run, and a rollback. */
function sbkubeFile(dir: string): string {
  const path = join(dir, 'deployments.db');
  const db = new Database(path);
  db.exec(`
    create table deployments (id integer primary key, deployment_id varchar(64) not null unique, timestamp datetime not null, cluster varchar(255) not null,
      namespace varchar(255) not null, app_config_dir varchar(1024) not null, config_file_path varchar(1024) not null, command varchar(50) not null,
      command_args json, dry_run boolean, status varchar(20), error_message text, config_snapshot json not null, sources_snapshot json, sbkube_version varchar(20), operator varchar(255));
    create table app_deployments (id integer primary key, deployment_id integer not null references deployments(id), app_name varchar(255) not null,
      app_type varchar(50) not null, namespace varchar(255), status varchar(20), error_message text, app_config json not null, deployment_metadata json, rollback_info json);
    create table helm_releases (id integer primary key, app_deployment_id integer not null references app_deployments(id), release_name varchar(255) not null,
      namespace varchar(255) not null, chart varchar(255) not null, chart_version varchar(50), app_version varchar(50), revision integer not null, "values" json, status varchar(50) not null);`);
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
      ['redis', 'k3s-prod', 'success', false, '7.2.4'],
    ]);
    expect(records.find((d) => d.app === 'redis')).toMatchObject({ operator: 'lee', createdAt: '2025-04-01T09:00:00.123Z', message: 'sbkube deploy in namespace apps' });
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
