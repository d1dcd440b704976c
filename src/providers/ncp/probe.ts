import type { StatusProbe } from '../../polling/status-probe.js';
import { ncpCredentials } from './credentials.js';
import { NcpClient } from './client.js';
import { recordedNcpTarget } from './target.js';

/** Polls a recorded NCP deployment's run; needs the credentials in this process's environment (exit 5 without). */
export function ncpProbe(key: string, target: Record<string, unknown> | null, env: NodeJS.ProcessEnv = process.env): StatusProbe {
  const { endpoint, projectId, ncpDeployId } = recordedNcpTarget(key, target, env);
  return new NcpClient(endpoint, ncpCredentials(env)).historyProbe(projectId, ncpDeployId);
}
