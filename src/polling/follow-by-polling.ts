import type { Status } from '../deployment/lifecycle.js';
import type { FollowedDeployment, FollowOptions } from '../providers/provider.js';
import { progressDisplay } from '../terminal/progress-display.js';
import type { Tracker } from '../tracking/tracker.js';
import { pollDeployments } from './poll-deployments.js';
import type { PollSettings } from './poll-settings.js';
import type { StatusProbe } from './status-probe.js';

/**
 * `deploy --wait` for a polled provider: follows the one deployment exactly as `poll` would, until its service
 * reports a final status, the deadline passes (`timeout`), or Ctrl-C (the record stays `running` for a later
 * `poll`; the remote deployment is left alone). Resolves with the record's status; a refusal is thrown.
 */
export async function followByPolling(
  tracker: Tracker,
  deployment: FollowedDeployment,
  probe: StatusProbe,
  options: FollowOptions,
  settings: PollSettings,
): Promise<Status> {
  const followed = tracker.get(deployment.id);
  if (!followed) return 'running';
  const board = await progressDisplay(options.out, 'one');
  let ends;
  try {
    ends = await pollDeployments({ tracker, settings, deadline: options.deadline, signal: options.signal, board, skipRefused: false }, [{ deployment: followed, probe }]);
  } finally {
    board.close();
  }
  const end = ends.get(deployment.id)!;
  if (end.kind === 'stopped') throw end.error;
  if (end.kind === 'settled') return end.status;
  if (end.kind === 'interrupted') options.out.progress(`interrupted: ${deployment.key} stays ${followed.status}; resume with 'shiplog poll ${deployment.key}'`);
  return tracker.get(deployment.id)?.status ?? followed.status;
}
