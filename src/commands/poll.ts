import type { Transaction } from 'kysely';
import { CiReport } from '../ci/report.js';
import { getDeployment, getDeployments, listOpenRefs, type OpenFilter } from '../db/deployments.js';
import type { Database } from '../db/schema.js';
import type { Store } from '../db/store.js';
import type { Deployment } from '../deployment/deployment.js';
import { isFinal } from '../deployment/lifecycle.js';
import { worstExitCode } from '../deployment/worst-outcome.js';
import { ExitCode, exitCodeForStatus, ShiplogError, UsageError, type ExitCodeValue } from '../errors.js';
import { pollDeployments, type PollEnd, type PollTarget } from '../polling/poll-deployments.js';
import { pollSettings, type PollOptions, type PollSettings } from '../polling/poll-settings.js';
import { polledProviders, probeFor, requirePolled } from '../polling/probe-for.js';
import { outcomeLine } from '../terminal/format.js';
import { progressDisplay } from '../terminal/progress-display.js';
import { formatDuration, parseTimeLimit } from '../timing/duration.js';
import { openSelection, unfollowableLine, type SelectionOptions } from '../tracking/follow-selection.js';
import { interruptible } from '../tracking/interrupt.js';
import { leaseTtlMs, Tracker } from '../tracking/tracker.js';
import { withStore, type CommandContext } from './context.js';

export interface PollCommandOptions extends PollOptions, SelectionOptions {
  timeout?: string;
  dotenv?: string;
}

const defaultTimeoutMs = 5 * 60_000;

/**
 * `poll [ID…] [--all]`: follows NCP- and HTTP-backed deployments by polling their services until each is final.
 * Unknown ids and other providers are refused before the first write. A deployment this process cannot poll
 * (credentials or a header's variable missing here, or refused by its service) is reported on its own line and
 * left as it is while the others are polled, and counts as exit 5; polled alone, it is the command's error. At
 * the time limit running records become `timeout`; Ctrl-C leaves them `running`. The exit code is the worst
 * outcome (see deployment/worst-outcome.ts).
 */
export async function run(ctx: CommandContext, refs: string[], options: PollCommandOptions): Promise<ExitCodeValue> {
  if (refs.length === 0 && !options.all) throw new UsageError('name the deployments to poll, or pass --all for every open NCP and HTTP deployment', 'missing_argument');
  if (refs.length > 0 && options.all) throw new UsageError('pass deployment ids or --all, not both', 'bad_value');
  const filter = openSelection('poll', options, polledProviders);
  const settings = pollSettings(options);
  const timeoutMs = options.timeout === undefined ? defaultTimeoutMs : parseTimeLimit(options.timeout, '--timeout');
  const report = CiReport.from(options.dotenv);
  // One deployment named alone has no others to go on with: what stops it is the command's error, as it always was.
  const alone = refs.length === 1;

  return withStore({ ...ctx, storeWaitMs: timeoutMs }, async (store) => {
    store.rideOutOutages((line) => ctx.out.progress(line));
    const chosen = await store.read((tx) => (options.all ? openPolledDeployments(tx, filter) : named(tx, refs)));
    if (chosen.length === 0) {
      ctx.out.progress(`no open NCP or HTTP deployments to poll${options.all && !options.unresolved ? ' (of the running ones; --unresolved adds those left timeout or stale)' : ''}`);
      ctx.out.result([], () => '');
      return ExitCode.ok;
    }
    const codes = new Map<number, ExitCodeValue>();
    const pollable: Deployment[] = [];
    for (const deployment of chosen) {
      if (isFinal(deployment.status)) codes.set(deployment.id, exitCodeForStatus(deployment.status));
      else if (deployment.status === 'pending') {
        ctx.out.progress(`${deployment.key} never started (no ${deployment.provider} run to poll); close it with 'shiplog finish ${deployment.key} --status failed'`);
        codes.set(deployment.id, ExitCode.unresolved);
      } else pollable.push(deployment);
    }
    const targets: PollTarget[] = [];
    for (const deployment of pollable) {
      try {
        targets.push({ deployment, probe: await probeFor(deployment) });
      } catch (error) {
        if (alone || !(error instanceof ShiplogError)) throw error;
        ctx.out.progress(unfollowableLine(deployment, error));
        codes.set(deployment.id, error.exitCode);
      }
    }

    const ends = await claimAndPoll(ctx, store, targets, settings, Date.now() + timeoutMs, !alone);
    const stopped = [...ends.values()].find((end) => end.kind === 'stopped');
    if (stopped) throw stopped.error;
    const interrupted = [...ends.entries()].filter(([, end]) => end.kind === 'interrupted').map(([id]) => id);
    for (const [id, end] of ends) codes.set(id, end.kind === 'settled' ? exitCodeForStatus(end.status) : end.kind === 'refused' ? end.error.exitCode : ExitCode.unresolved);

    const records = await store.read((tx) => getDeployments(tx, chosen.map((d) => d.id)));
    if (interrupted.length > 0) {
      const keys = records.filter((d) => interrupted.includes(d.id)).map((d) => d.key);
      ctx.out.progress(`stopped before ${keys.length} deployment(s) ended; they stay as they are: resume with 'shiplog poll ${keys.join(' ')}'`);
    }
    // One named deployment prints as an object, as `track` does; more, or --all, as a list.
    ctx.out.result(refs.length === 1 ? records[0] : records, () => records.map((d) => outcomeLine(ctx.out, d)).join('\n'));
    report.write(ctx.out, records);
    return worstExitCode(codes.values());
  });
}

/**
 * Claims the deployments (one transaction) and polls the ones this process now holds. One that another live
 * follower holds is left to it, and counts as unresolved here.
 */
async function claimAndPoll(ctx: CommandContext, store: Store, targets: readonly PollTarget[], settings: PollSettings, deadline: number, skipRefused: boolean): Promise<Map<number, PollEnd>> {
  const tracker = new Tracker(store, 'poll');
  const board = await progressDisplay(ctx.out, targets.length === 1 ? 'one' : 'many');
  try {
    const followed = new Map((await tracker.follow(targets.map(({ deployment: d }) => [d.id, d.key] as const))).map((d) => [d.id, d]));
    const held: [number, PollEnd][] = [];
    for (const { deployment } of targets) {
      if (followed.has(deployment.id)) continue;
      ctx.out.progress(`${deployment.key} is followed by another shiplog process, or by one that stopped less than ${formatDuration(leaseTtlMs)} ago; left to it`);
      held.push([deployment.id, { kind: 'lost' }]);
    }
    const claimed = targets.filter(({ deployment }) => followed.has(deployment.id)).map(({ probe, deployment }) => ({ probe, deployment: followed.get(deployment.id)! }));
    const ends = await interruptible(
      (signal) => pollDeployments({ tracker, settings, deadline, signal, board, skipRefused }, claimed),
      // Ended at once: the remote deployments go on, and their records stay running for the next poll to take at once.
      () => tracker.releaseNow(),
    );
    return new Map([...held, ...ends]);
  } finally {
    board.close();
    await tracker.release();
  }
}

/** The deployments named on the command line, each an NCP or HTTP one (else exit 2), in the order given. */
async function named(tx: Transaction<Database>, refs: readonly string[]): Promise<Deployment[]> {
  const found = new Map<number, Deployment>();
  for (const ref of refs) {
    const deployment = await getDeployment(tx, ref);
    requirePolled(deployment);
    found.set(deployment.id, deployment);
  }
  return [...found.values()];
}

/** `--all`: the NCP and HTTP deployments its filters take (tracking/follow-selection.ts), read in one transaction. */
async function openPolledDeployments(tx: Transaction<Database>, filter: OpenFilter): Promise<Deployment[]> {
  const refs = await listOpenRefs(tx, filter);
  return getDeployments(tx, refs.map(([id]) => id));
}

