import { UsageError } from '../../errors.js';
import { serviceUrl } from '../../polling/service-url.js';

export const defaultNcpEndpoint = 'https://vpcsourcedeploy.apigw.ntruss.com';

/** What an NCP record keeps as its target: where the scenario is and which run of it this is. Never a key. */
export interface NcpTarget {
  projectId: string;
  stageId: string;
  scenarioId: string;
  /** The SourceDeploy base URL the deployment was started at; later polls use the same one. */
  endpoint: string;
  /** NCP's historyId for this run, learned when the scenario starts. */
  ncpDeployId?: number | string;
}

export interface NcpOptions {
  ncpProject?: string;
  ncpStage?: string;
  ncpScenario?: string;
  ncpEndpoint?: string;
}

/** The target `deploy --ncp-*` (and a rollback of an NCP record) asks for, checked before anything is recorded. */
export function ncpTargetFromOptions(options: NcpOptions, env: NodeJS.ProcessEnv = process.env): NcpTarget {
  const missing = [
    options.ncpProject === undefined && '--ncp-project',
    options.ncpStage === undefined && '--ncp-stage',
    options.ncpScenario === undefined && '--ncp-scenario',
  ].filter((name): name is string => typeof name === 'string');
  if (missing.length > 0) throw new UsageError(`an NCP deploy needs --ncp-project, --ncp-stage and --ncp-scenario; missing ${missing.join(', ')}`, 'missing_option');
  const endpointText = options.ncpEndpoint ?? (env.NCLOUD_SOURCEDEPLOY_ENDPOINT || defaultNcpEndpoint);
  return {
    projectId: ncpId(options.ncpProject!, '--ncp-project'),
    stageId: ncpId(options.ncpStage!, '--ncp-stage'),
    scenarioId: ncpId(options.ncpScenario!, '--ncp-scenario'),
    endpoint: serviceUrl(endpointText, options.ncpEndpoint === undefined && env.NCLOUD_SOURCEDEPLOY_ENDPOINT ? 'NCLOUD_SOURCEDEPLOY_ENDPOINT' : '--ncp-endpoint'),
  };
}

/** What reading one run's status takes: where SourceDeploy answers, the project, and the run (its historyId). */
export interface NcpRun {
  endpoint: string;
  projectId: string;
  ncpDeployId: number | string;
}

/**
 * The run of a recorded NCP deployment, ready to poll; a usage error when it lacks what polling needs. The
 * project and the history id are enough: a record imported from another tool knows no stage, scenario or
 * endpoint, and reads its run at the endpoint this environment names (else NCP's default).
 */
export function recordedNcpTarget(key: string, target: Record<string, unknown> | null, env: NodeJS.ProcessEnv = process.env): NcpRun {
  const id = target?.ncpDeployId;
  const projectId = target?.projectId;
  if (typeof projectId !== 'string' || (typeof id !== 'number' && typeof id !== 'string')) {
    throw new UsageError(`${key} has no NCP history id to poll (it never started); close it with 'shiplog finish ${key} --status failed'`, 'not_pollable');
  }
  const endpoint =
    typeof target?.endpoint === 'string'
      ? target.endpoint
      : env.NCLOUD_SOURCEDEPLOY_ENDPOINT
        ? serviceUrl(env.NCLOUD_SOURCEDEPLOY_ENDPOINT, 'NCLOUD_SOURCEDEPLOY_ENDPOINT')
        : defaultNcpEndpoint;
  return { endpoint, projectId, ncpDeployId: id };
}

function ncpId(value: string, option: string): string {
  if (!/^[\w-]{1,64}$/.test(value)) throw new UsageError(`${option}: '${value}' is not an NCP id (letters, digits, '-' or '_')`, 'bad_value');
  return value;
}
