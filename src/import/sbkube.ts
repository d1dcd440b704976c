import type { ImportCollector, ImportDefaults, ImportedDeployment, ImportSource } from '../deployment/imported.js';
import { isoTime, jsonObject, SourceFile, text } from './source-file.js';

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

/** One app of one run, as read, with what linking rollbacks needs to know of it. */
interface AppRun {
  deployment: ImportedDeployment;
  /** The run a `rollback` run names in its `command_args` (sbkube's `rollback DEPLOYMENT_ID`). */
  namedRun: string | null;
  rolledBack: boolean;
}

/**
 * Reads sbkube's state file (`~/.sbkube/deployments.db`): one shiplog record for each app of each run
 * (`app_deployments` of `deployments`), dry runs left out since they changed nothing. The environment is --env,
 * else the run's cluster. The version is the Helm chart's: `helm_releases` keeps one row per release and
 * namespace (the first run's), so later runs have it only in their `app_config`. sbkube keeps one time per run,
 * so an imported record starts and ends then. Optional columns are used where present. Linking rollbacks needs
 * every run of the file in time order, so the file's runs are held at once: one person's state file, not an
 * organisation's history.
 */
export function openSbkube(path: string, defaults: ImportDefaults): ImportSource {
  const source = new SourceFile(path, 'sbkube');
  try {
    source.columns('deployments', ['id', 'deployment_id', 'timestamp']);
    source.columns('app_deployments', ['id', 'deployment_id', 'app_name', 'status']);
    if (source.hasTable('helm_releases')) source.columns('helm_releases', ['app_deployment_id']);
  } catch (error) {
    source.close();
    throw error;
  }
  return {
    *batches(collected: ImportCollector) {
      for (const { deployment } of readAppRuns(source, defaults, collected)) {
        const full = collected.keep(deployment);
        if (full) yield full;
      }
      yield collected.take();
    },
    close: () => source.close(),
  };
}

/** Every app of every run the file holds, in time order, rollbacks linked; rows passed over are counted by `collected`. */
function readAppRuns(source: SourceFile, defaults: ImportDefaults, collected: ImportCollector): AppRun[] {
  const runs = new Map(source.rows<Row>('select * from deployments').map((run) => [run.id, run]));
  const releases = new Map<unknown, Row>();
  if (source.hasTable('helm_releases')) {
    for (const release of source.rows<Row>('select * from helm_releases')) releases.set(release.app_deployment_id, release);
  }
  const appRuns: AppRun[] = [];
  for (const app of source.rows<Row>('select * from app_deployments order by id')) {
    const run = runs.get(app.deployment_id);
    const name = text(app.app_name) ?? defaults.app;
    const env = defaults.env ?? text(run?.cluster);
    const said = String(app.status ?? run?.status ?? '').toLowerCase();
    const status = statuses[said];
    const at = isoTime(run?.timestamp);
    if (!run) collected.skip('an app of a run the file does not hold');
    else if (Number(run.dry_run ?? 0) === 1) collected.skip('a dry run, which changed nothing');
    else if (!name || !env) collected.skip(!name ? 'no app name (pass --app)' : 'no cluster to name the environment (pass --env)');
    else if (!status) collected.skip(`a status shiplog does not know (${String(app.status ?? run.status)})`);
    else if (!at) collected.skip('no time');
    else {
      appRuns.push({
        deployment: toImported(app, run, releases.get(app.id), { app: name, env, status, at }),
        namedRun: text(run.command) === 'rollback' ? text(jsonObject(run.command_args)?.deployment_id) : null,
        rolledBack: said === 'rolled_back',
      });
    }
  }
  appRuns.sort((a, b) => (a.deployment.createdAt < b.deployment.createdAt ? -1 : a.deployment.createdAt > b.deployment.createdAt ? 1 : 0));
  linkRollbacks(appRuns);
  return appRuns;
}

function toImported(app: Row, run: Row, release: Row | undefined, known: { app: string; env: string; status: ImportedDeployment['status']; at: string }): ImportedDeployment {
  const command = text(run.command);
  const namespace = text(app.namespace) ?? text(run.namespace);
  return {
    sourceKey: sourceKey(text(run.deployment_id), known.app),
    app: known.app,
    env: known.env,
    version: text(release?.chart_version) ?? text(jsonObject(app.app_config)?.version) ?? text(release?.app_version),
    commitSha: null,
    repo: null,
    image: null,
    provider: 'manual',
    target: null,
    status: known.status,
    isRollback: command === 'rollback',
    rollbackOfSource: null,
    rolledBackBySource: null,
    operator: text(run.operator),
    message: command ? `sbkube ${command}${namespace ? ` in namespace ${namespace}` : ''}` : null,
    error: text(app.error_message) ?? text(run.error_message),
    createdAt: known.at,
    startedAt: known.at,
    completedAt: known.status === 'stale' ? null : known.at,
  };
}

function sourceKey(run: string | null, app: string): string {
  return `sbkube:${run}:${app}`;
}

/**
 * In time order: a rollback run rolled back the run its `command_args` name, where that run deployed the same
 * app, else the app's run before it in the same environment (the one it replaced). An app sbkube marked
 * `rolled_back` was undone by the rollback that names it, else by the next rollback of that app.
 */
function linkRollbacks(appRuns: AppRun[]): void {
  const known = new Set(appRuns.map(({ deployment }) => deployment.sourceKey));
  const sameTarget = (a: ImportedDeployment, b: ImportedDeployment) => a.app === b.app && a.env === b.env;
  appRuns.forEach(({ deployment, namedRun }, i) => {
    if (!deployment.isRollback) return;
    const named = namedRun === null ? null : sourceKey(namedRun, deployment.app);
    const previous = appRuns.slice(0, i).filter((earlier) => sameTarget(earlier.deployment, deployment)).at(-1);
    deployment.rollbackOfSource = named !== null && known.has(named) ? named : (previous?.deployment.sourceKey ?? null);
  });
  appRuns.forEach(({ deployment, rolledBack }, i) => {
    if (!rolledBack) return;
    const later = appRuns.slice(i + 1).map((run) => run.deployment).filter((d) => d.isRollback && sameTarget(d, deployment));
    deployment.rolledBackBySource = (later.find((d) => d.rollbackOfSource === deployment.sourceKey) ?? later[0])?.sourceKey ?? null;
  });
}
