import type { ImportCollector, ImportDefaults, ImportedDeployment, ImportSource } from '../deployment/imported.js';
import { UsageError } from '../errors.js';
import { commitSha, isoTime, SourceFile, text } from './source-file.js';

type Row = Record<string, unknown>;

/** klepaas's words for a deployment's state; `running` and `pending` rows were never seen to end. */
const statuses: Record<string, ImportedDeployment['status']> = {
  success: 'success',
  failed: 'failed',
  rolled_back: 'success',
  running: 'stale',
  pending: 'stale',
};

/** The columns of the row a rollback names, read beside the rollback's own under names klepaas does not use. */
const rolledBack = { id: 'shiplog_rollback_id', owner: 'shiplog_rollback_owner', repo: 'shiplog_rollback_repo', created: 'shiplog_rollback_created_at', started: 'shiplog_rollback_started_at' };

/**
 * Reads klepaas's `deployment_histories` (its columns differ between versions; each is used where present):
 * the app is the GitHub repository's name, the environment its `environment` column or --env, the version
 * the image tag. A run of an NCP SourceDeploy project keeps that project and run as an NCP target. The table is
 * read row by row, each rollback joined to the row it names, so a history of any length is read in the memory
 * of one batch.
 */
export function openKlepaas(path: string, defaults: ImportDefaults): ImportSource {
  const source = new SourceFile(path, 'klepaas');
  let columns: Set<string>;
  try {
    columns = source.columns('deployment_histories', ['id', 'status', 'created_at']);
    if (!columns.has('environment') && defaults.env === undefined) {
      throw new UsageError(`${path} records no environment for its deployments; say which with --env`, 'missing_option');
    }
  } catch (error) {
    source.close();
    throw error;
  }
  const query = columns.has('rollback_from_id')
    ? `select h.*, r.id as ${rolledBack.id}, r.github_owner as ${rolledBack.owner}, r.github_repo as ${rolledBack.repo},
         r.created_at as ${rolledBack.created}, r.started_at as ${rolledBack.started}
       from deployment_histories h left join deployment_histories r on r.id = h.rollback_from_id order by h.id`
    : 'select * from deployment_histories order by id';
  return {
    *batches(collected: ImportCollector) {
      for (const row of source.iterate<Row>(query)) {
        const env = text(row.environment) ?? defaults.env;
        const app = defaults.app ?? text(row.github_repo);
        const status = statuses[String(row.status ?? '').toLowerCase()];
        const createdAt = isoTime(row.created_at) ?? isoTime(row.started_at);
        if (!app || !env) {
          collected.skip(!app ? 'no repository to name the app (pass --app)' : 'no environment (pass --env)');
        } else if (!status) {
          collected.skip(`a status shiplog does not know (${String(row.status)})`);
        } else if (!createdAt) {
          collected.skip('no creation time');
        } else {
          const full = collected.keep(toImported(row, { app, env, status, createdAt }));
          if (full) yield full;
        }
      }
      yield collected.take();
    },
    close: () => source.close(),
  };
}

function toImported(row: Row, known: { app: string; env: string; status: ImportedDeployment['status']; createdAt: string }): ImportedDeployment {
  const owner = text(row.github_owner);
  const repo = text(row.github_repo);
  const tag = text(row.image_tag);
  const imageName = text(row.image_name);
  const project = text(row.sourcedeploy_project_id);
  const deployId = text(row.deploy_id);
  const final = known.status !== 'stale';
  const error = text(row.error_message);
  return {
    sourceKey: sourceKey(row),
    app: known.app,
    env: known.env,
    version: tag,
    commitSha: commitSha(row.github_commit_sha),
    repo: owner && repo && /^[\w.-]+\/[\w.-]+$/.test(`${owner}/${repo}`) ? `${owner}/${repo}` : null,
    image: text(row.image_url) ?? (imageName && tag ? `${imageName}:${tag}` : imageName),
    provider: project ? 'ncp' : 'manual',
    target: project ? { projectId: project, ...(deployId ? { ncpDeployId: deployId } : {}) } : null,
    status: known.status,
    isRollback: Number(row.is_rollback ?? 0) === 1,
    rollbackOfSource: rollbackOf(row),
    rolledBackBySource: null,
    operator: text(row.user_id) ?? text(row.github_commit_author),
    message: text(row.github_commit_message),
    error: error && text(row.error_stage) ? `${text(row.error_stage)}: ${error}` : error,
    createdAt: known.createdAt,
    startedAt: isoTime(row.started_at) ?? isoTime(row.deployed_at) ?? known.createdAt,
    completedAt: final ? (isoTime(row.completed_at) ?? isoTime(row.deployed_at) ?? known.createdAt) : null,
  };
}

/** The source key of the row a rollback names, or null when it names none the file holds. */
function rollbackOf(row: Row): string | null {
  if (row[rolledBack.id] === null || row[rolledBack.id] === undefined) return null;
  return sourceKey({
    id: row[rolledBack.id],
    github_owner: row[rolledBack.owner],
    github_repo: row[rolledBack.repo],
    created_at: row[rolledBack.created],
    started_at: row[rolledBack.started],
  });
}

/** The repository, the row's id and its time together: another klepaas file reusing the id is another row. */
function sourceKey(row: Row): string {
  return `klepaas:${text(row.github_owner) ?? '-'}/${text(row.github_repo) ?? '-'}:${String(row.id)}:${isoTime(row.created_at) ?? isoTime(row.started_at) ?? '-'}`;
}
