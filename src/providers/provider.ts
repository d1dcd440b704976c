import type { ProviderName } from '../deployment/deployment.js';
import type { Status } from '../deployment/lifecycle.js';
import { EnvironmentError, ExitCode, ShiplogError } from '../errors.js';
import type { Output } from '../terminal/output.js';
import type { Tracker } from '../tracking/tracker.js';

/** The provider options of `deploy`, as commander parsed them. */
export interface ProviderOptions {
  k8s?: string;
  /** `--helm NAMESPACE/RELEASE`. */
  helm?: string;
  container?: string;
  kubeconfig?: string;
  context?: string;
  image?: string;
  ncpProject?: string;
  ncpStage?: string;
  ncpScenario?: string;
  ncpEndpoint?: string;
  statusUrl?: string;
  statusField?: string;
  successValues?: string;
  failureValues?: string;
  header?: string[];
  /** With --wait on NCP or HTTP: time between status polls. */
  interval?: string;
  wait?: boolean;
}

/**
 * A provider's part in `deploy`, decided from the command line before anything is recorded (so bad input
 * or an unreachable API leaves no record behind): what to record, how to start it, how to follow it.
 */
export interface DeployPlan {
  provider: ProviderName;
  /** The provider's details to keep on the record; never secrets. */
  target?: Record<string, unknown>;
  /** `pending` when `start` still has to run; `running` when the deployment is already under way elsewhere. */
  initialStatus: 'pending' | 'running';
  /** Where the status changes this plan makes come from (`command`, `watch`, `poll`, `cli`). */
  source: 'cli' | 'command' | 'watch' | 'poll';
  /**
   * Starts the recorded deployment, outside any transaction. Resolves with details learned on the way (an NCP
   * history id, the generation to wait for), saved on the record as it becomes `running`. A throw records
   * `failed` with the message as the error (`stale` for StartUnconfirmed), then ends the command with the
   * error's exit code.
   */
  start?(deployment: FollowedDeployment, out: Output, options: StartOptions): Promise<Record<string, unknown>>;
  /**
   * Follows the started deployment to its outcome and settles it through the tracker; resolves with the
   * status the record ended in. Absent when the deploy does not wait.
   */
  follow?(tracker: Tracker, deployment: FollowedDeployment, options: FollowOptions): Promise<Status>;
}

/**
 * A start that failed after its change may already be out: a deploy command (helm, kubectl apply) that ran and
 * exited non-zero may have applied part or all of it. The record is taken as started before it fails, so a
 * rollback counts its change as what runs instead of rolling back the good deployment before it.
 */
export class FailedAfterApplying extends ShiplogError {
  constructor(message: string) {
    super(message, ExitCode.failed, 'command_failed');
  }
}

/**
 * A start the deploy service may have carried out without saying so (no answer in time, a gateway error, an
 * answer without the run's id). Nobody knows the outcome, so the record becomes `stale`, never `failed`: a
 * failure it is not sure of would let a rollback undo the deployment before it while this one runs.
 */
export class StartUnconfirmed extends EnvironmentError {}

export interface FollowedDeployment {
  id: number;
  key: string;
  app: string;
  env: string;
  target: Record<string, unknown> | null;
}

export interface StartOptions {
  /** Aborts on the first SIGINT or SIGTERM shiplog gets: a start waiting on the network gives up at once. */
  signal: AbortSignal;
  /** Absolute time (epoch ms) from --timeout by which the start gives up; undefined leaves it to the request timeout. */
  deadline?: number;
}

export interface FollowOptions {
  out: Output;
  /** Absolute time (epoch ms) after which an unresolved deployment becomes `timeout`; undefined waits on. */
  deadline?: number;
  /** Aborts on the first SIGINT or SIGTERM shiplog itself gets, whatever else saw the signal first. */
  signal: AbortSignal;
}
