import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { ncpEnv } from '../fixtures/ncp-cli-env.js';
import { ncpSuite } from '../fixtures/ncp-suite.js';
import type { CleanupReport } from '../src/repair/cleanup.js';
import { runCliJson, type DeploymentJson } from './support/cli.js';
import { describeEachStore } from './support/stores.js';

/** klepaas rows of NCP SourceDeploy runs it never saw end: only the project and the run's history id tie them to NCP. */
function klepaasRunsFile(dir: string, runs: { version: string; historyId: number; status: string }[]): string {
  const path = join(dir, 'klepaas-ncp.db');
  const db = new Database(path);
  db.exec(`create table deployment_histories (id integer primary key, user_id varchar(255) not null, github_owner varchar(255) not null,
    github_repo varchar(255) not null, sourcedeploy_project_id varchar(255), deploy_id varchar(255), status varchar(50) not null,
    image_tag varchar(100), started_at datetime not null, completed_at datetime, created_at datetime)`);
  const insert = db.prepare(`insert into deployment_histories values (?, 'kim', 'acme', 'shop', '311', ?, ?, ?, ?, null, ?)`);
  runs.forEach((run, i) => insert.run(i + 1, String(run.historyId), run.status, run.version, `2025-05-0${i + 1} 10:00:00`, `2025-05-0${i + 1} 10:00:00`));
  db.close();
  return path;
}

describeEachStore('imported NCP runs on %s', (kind) => {
  const t = ncpSuite(kind);

  it('are settled by cleanup --stale --reconcile from what NCP says of each run', async () => {
    const { fake, store } = t;
    const runs = [
      { version: 'v1', historyId: fake.addHistory('311', [{ status: 'success' }]), status: 'running' },
      { version: 'v2', historyId: fake.addHistory('311', [{ status: 'fail' }]), status: 'running' },
      { version: 'v3', historyId: fake.addHistory('311', [{ status: 'canceled' }]), status: 'pending' },
      { version: 'v4', historyId: fake.addHistory('311', [{ status: 'inprogress' }]), status: 'running' },
    ];
    const file = klepaasRunsFile(store.dir, runs);
    const imported = await runCliJson(['--db', store.spec, 'import', '--from', 'klepaas', file, '--env', 'prod']);
    expect(imported.result.code, imported.result.stderr).toBe(0);

    // One question to NCP a run: a generous request timeout, so a busy machine does not turn an answer into "could not ask".
    const { result, json } = await runCliJson<CleanupReport>(['--db', store.spec, 'cleanup', '--stale', '0s', '--reconcile', '--apply'], {
      env: ncpEnv(fake, { SHIPLOG_REQUEST_TIMEOUT: '30s' }),
    });

    expect(result.code, result.stderr).toBe(0);
    const history = (await runCliJson<DeploymentJson[]>(['--db', store.spec, 'history'])).json;
    const byVersion = new Map(history.map((d) => [d.version, d]));
    const reasons = JSON.stringify(json.stale!.records.map((change) => [change.version, change.reason]));
    expect(['v1', 'v2', 'v3', 'v4'].map((version) => byVersion.get(version)!.status), reasons).toEqual(['success', 'failed', 'cancelled', 'stale']);
    expect(byVersion.get('v1')!.target).toEqual({ projectId: '311', ncpDeployId: String(runs[0]!.historyId) });
    const changes = new Map(json.stale!.records.map((change) => [change.version, change]));
    expect(changes.get('v1')).toMatchObject({ from: 'stale', to: 'success', source: 'reconcile', reason: expect.stringContaining("NCP reports 'success'") });
    expect(changes.get('v4')).toMatchObject({ from: 'stale', to: null, reason: expect.stringContaining('still under way') });
    const shown = (await runCliJson<DeploymentJson>(['--db', store.spec, 'show', byVersion.get('v1')!.key])).json;
    expect(shown.events!.map((event) => [event.source, event.to])).toEqual([
      ['import', 'stale'],
      ['reconcile', 'success'],
    ]);
  });
});
