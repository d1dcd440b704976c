import { CiReport } from '../ci/report.js';
import { getDeployments, listOpenRefs } from '../db/deployments.js';
import type { Deployment } from '../deployment/deployment.js';
import { isActive, isFinal } from '../deployment/lifecycle.js';
import { worstExitCode } from '../deployment/worst-outcome.js';
import { exitCodeForStatus, UsageError, type ExitCodeValue, type ShiplogError } from '../errors.js';
import { outcomeLine } from '../terminal/format.js';
import { parseTimeLimit } from '../timing/duration.js';
import { openSelection, selectionArgs, type SelectionOptions } from '../tracking/follow-selection.js';
import { withStore, type CommandContext } from './context.js';

export interface TrackOptions extends SelectionOptions {
  follow?: boolean;
  timeout?: string;
  kubeconfig?: string;
  dotenv?: string;
  context?: string;
}

/**
 * `track [ID…] [--all] [--follow] [--timeout DUR]`: follows Kubernetes deployments until each rollout completes
 * or fails, and Helm ones until their revision has an outcome. With --json, an array of the deployments, as `poll` prints. Exit code: the worst outcome among them
 * (5 > 3 > 1 > 0, see deployment/worst-outcome.ts); a `--follow` watcher stopped by SIGINT/SIGTERM exits 0, since stopping
 * is how a watcher ends. A deployment this process cannot follow (its kubeconfig context is not here) is reported
 * on its own line and left as it is while the others are followed, and counts as exit 5; named alone, it is the
 * command's error.
 */
export async function run(ctx: CommandContext, refs: string[], options: TrackOptions): Promise<ExitCodeValue> {
  if (refs.length === 0 && !options.all) throw new UsageError("name the deployments to track, or pass --all; see 'shiplog track --help'", 'missing_argument');
  if (refs.length > 0 && options.all) throw new UsageError('give deployment ids or --all, not both', 'bad_value');
  if (options.follow && !options.all) throw new UsageError('--follow picks up every new Kubernetes deployment: use it with --all', 'bad_value');
  const filter = openSelection('track', options, ['kubernetes', 'helm']);
  const timeoutMs = options.timeout === undefined ? undefined : parseTimeLimit(options.timeout, '--timeout');
  const report = CiReport.from(options.dotenv);

  return withStore({ ...ctx, storeWaitMs: timeoutMs }, async (store) => {
    store.rideOutOutages((line) => ctx.out.progress(line));
    const named = options.all ? undefined : kubernetesOnly(await store.read((tx) => getDeployments(tx, refs)));
    for (const d of named?.filter((d) => d.status === 'pending') ?? []) {
      ctx.out.progress(`${d.key} has not started yet (its deploy is still applying the change, or died before it did); track it once it is running`);
    }
    // A pending record has no rollout to follow yet; --all and --follow pick it up once its deploy made it running.
    const followable = named
      ? named.filter((d) => !isFinal(d.status) && d.status !== 'pending').map((d) => [d.id, d.key] as const)
      : await store.read((tx) => listOpenRefs(tx, filter));
    // With nothing to follow, the Kubernetes client (the slowest module to load) is not even loaded.
    const { ids, skipped, end } =
      followable.length === 0 && !options.follow
        ? { ids: [], skipped: new Map<number, ShiplogError>(), end: 'settled' }
        : await (await import('../providers/kubernetes/track-rollouts.js')).trackRollouts(store, {
            refs: followable,
            follow: options.follow ? filter : undefined,
            skipUnfollowable: refs.length !== 1,
            deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
            limit: options.timeout,
            kube: { kubeconfig: options.kubeconfig, context: options.context },
            out: ctx.out,
          });
    const shown = named?.map((d) => d.id) ?? ids;
    const tracked = await store.read((tx) => getDeployments(tx, shown));
    const unresolved = tracked.filter((d) => isActive(d.status) && !skipped.has(d.id));
    if (end === 'interrupted' && unresolved.length > 0) {
      const resume = options.all ? `shiplog track ${selectionArgs(options)}` : `shiplog track ${unresolved.map((d) => d.key).join(' ')}`;
      ctx.out.progress(`interrupted: ${unresolved.length} deployment${unresolved.length === 1 ? ' is' : 's are'} left running; resume with '${resume}'`);
    }
    if (options.all && tracked.length === 0) ctx.out.progress(`no active Kubernetes deployments to track${options.unresolved ? '' : ' (of the running ones; --unresolved adds those left timeout or stale)'}`);
    ctx.out.result(tracked, () => tracked.map((d) => outcomeLine(ctx.out, d)).join('\n'));
    report.write(ctx.out, tracked);
    if (options.follow && end === 'interrupted') return 0;
    return worstExitCode(tracked.map((d) => skipped.get(d.id)?.exitCode ?? exitCodeForStatus(d.status)));
  });
}

/** The named deployments, each once; any that is neither a Kubernetes nor a Helm deployment is bad input. */
function kubernetesOnly(deployments: Deployment[]): Deployment[] {
  const unique = new Map<number, Deployment>();
  for (const d of deployments) {
    if (d.provider !== 'kubernetes' && d.provider !== 'helm') {
      const instead = d.provider === 'ncp' || d.provider === 'http' ? `; follow it with 'shiplog poll ${d.key}'` : '';
      throw new UsageError(`${d.key} is a ${d.provider} deployment, not a Kubernetes or Helm one; track follows deployments made with --k8s or --helm${instead}`, 'not_trackable');
    }
    unique.set(d.id, d);
  }
  return [...unique.values()];
}

