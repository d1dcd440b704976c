import { followByPolling } from '../../polling/follow-by-polling.js';
import { pollSettings } from '../../polling/poll-settings.js';
import type { DeployPlan, ProviderOptions } from '../provider.js';
import { ncpCredentials } from './credentials.js';
import { NcpClient } from './client.js';
import { ncpTargetFromOptions, recordedNcpTarget } from './target.js';

/**
 * `deploy --ncp-project P --ncp-stage S --ncp-scenario C`: starts that SourceDeploy scenario and keeps the run's
 * historyId on the record as `ncpDeployId`; with --wait, polls it like `poll`. The ids, the endpoint and the
 * presence of credentials are checked here, before anything is recorded. A rollback of an NCP record comes
 * through here too, with the same three ids.
 */
export async function ncpPlan(options: ProviderOptions): Promise<DeployPlan> {
  const target = ncpTargetFromOptions(options);
  const settings = pollSettings({ interval: options.interval });
  const client = new NcpClient(target.endpoint, ncpCredentials());
  return {
    provider: 'ncp',
    target: { ...target },
    initialStatus: 'pending',
    source: 'poll',
    async start(_deployment, _out, { signal, deadline }) {
      // --timeout bounds the start too: a start that never answers must not outlast it.
      const timeoutMs = deadline === undefined ? settings.requestTimeoutMs : Math.max(1, Math.min(settings.requestTimeoutMs, deadline - Date.now()));
      return { ncpDeployId: await client.startScenario(target, timeoutMs, signal) };
    },
    follow: options.wait
      ? (tracker, deployment, follow) => {
          const { projectId, ncpDeployId } = recordedNcpTarget(deployment.key, deployment.target);
          return followByPolling(tracker, deployment, client.historyProbe(projectId, ncpDeployId), follow, settings);
        }
      : undefined,
  };
}
