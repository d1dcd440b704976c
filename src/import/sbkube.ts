import { ImportCollector, type ImportDefaults, type ImportedDeployment, type ImportRead } from './imported-deployment.js';
import { isoTime, SourceFile, text } from './source-file.js';

type Row = Record<string, unknown>;

/** sbkube's words for an app's state in a run; `pending` and `in_progress` ones were never seen to end. */
const statuses: Record<string, ImportedDeployment['status']> = {
  success: 'success',
  failed: 'failed',
  partially_failed: 'failed',
  rolled_back: 'success',
  pending: 'stale',
  in_progress: 'stale',
};

/**
 * Reads sbkube's state file (`~/.sbkube/deployments.db`): one shiplog record for each app of each run
 * (`app_deployments` joined to `deployments`), dry runs left out since they changed nothing. The environment
 * is --env, else the run's cluster; the version the Helm release's app version (or chart version) where one
 * was kept. sbkube keeps one time per run, so an imported record starts and ends then.
 */
export function readSbkube(path: string, defaults: ImportDefaults): ImportRead {
  const source = new SourceFile(path, 'sbkube');
  try {
    source.columns('deployments', ['id', 'deployment_id', 'timestamp', 'cluster', 'namespace', 'command', 'dry_run', 'status', 'error_message', 'operator']);
    source.columns('app_deployments', ['id', 'deployment_id', 'app_name', 'namespace', 'status', 'error_message']);
    const helm = new Map<unknown, Row>();
    try {
      source.columns('helm_releases', []);
      for (const release of source.rows<Row>('select * from helm_releases')) helm.set(release.app_deployment_id, release);
    } catch {
      // Older state files have no Helm table: their records simply carry no version.
    }
    const rows = source.rows<Row>(`
      select a.id as app_row, a.app_name, a.namespace as app_namespace, a.status as app_status, a.error_message as app_error,
        d.deployment_id, d.timestamp, d.cluster, d.namespace, d.command, d.dry_run, d.status, d.error_message, d.operator
      from app_deployments a join deployments d on d.id = a.deployment_id
      order by d.timestamp, a.id`);
    const collected = new ImportCollector();
    for (const row of rows) {
      const app = text(row.app_name) ?? defaults.app;
      const env = defaults.env ?? text(row.cluster);
      const status = statuses[String(row.app_status ?? row.status ?? '').toLowerCase()];
      const at = isoTime(row.timestamp);
      if (Number(row.dry_run ?? 0) === 1) collected.skip('a dry run, which changed nothing');
      else if (!app || !env) collected.skip(!app ? 'no app name (pass --app)' : 'no cluster to name the environment (pass --env)');
      else if (!status) collected.skip(`a status shiplog does not know (${String(row.app_status ?? row.status)})`);
      else if (!at) collected.skip('no time');
      else collected.keep(toImported(row, helm.get(row.app_row), { app, env, status, at }));
    }
    return collected.result();
  } finally {
    source.close();
  }
}

function toImported(row: Row, release: Row | undefined, known: { app: string; env: string; status: ImportedDeployment['status']; at: string }): ImportedDeployment {
  const command = text(row.command);
  return {
    sourceKey: `sbkube:${String(row.deployment_id)}:${known.app}`,
    app: known.app,
    env: known.env,
    version: text(release?.app_version) ?? text(release?.chart_version),
    commitSha: null,
    repo: null,
    image: null,
    provider: 'manual',
    target: null,
    status: known.status,
    isRollback: command === 'rollback',
    rollbackOfSource: null,
    operator: text(row.operator),
    message: command ? `sbkube ${command}${text(row.app_namespace) ?? text(row.namespace) ? ` in namespace ${text(row.app_namespace) ?? text(row.namespace)}` : ''}` : null,
    error: text(row.app_error) ?? text(row.error_message),
    createdAt: known.at,
    startedAt: known.at,
    completedAt: known.status === 'stale' ? null : known.at,
  };
}
