import { ciMetadata } from '../ci/environment.js';
import { CiReport } from '../ci/report.js';
import { lastSuccessCommit } from '../db/deployment-commits.js';
import { runDeployFlow } from '../deploy/flow.js';
import * as valid from '../deployment/validate.js';
import type { ExitCodeValue } from '../errors.js';
import { readCommitsBrought } from '../insights/commits-brought.js';
import type { ProviderOptions } from '../providers/provider.js';
import { planDeploy } from '../providers/select.js';
import { parseTimeLimit } from '../timing/duration.js';
import { withStore, type CommandContext } from './context.js';

export interface DeployOptions extends ProviderOptions {
  app?: string;
  env?: string;
  version?: string;
  commit?: string;
  repo?: string;
  key?: string;
  operator?: string;
  message?: string;
  timeout?: string;
  supersede?: boolean;
  dotenv?: string;
}

export async function run(ctx: CommandContext, options: DeployOptions, argv: string[]): Promise<ExitCodeValue> {
  const app = valid.requireName(options.app, '--app');
  const env = valid.requireName(options.env, '--env');
  const timeoutMs = options.timeout === undefined ? undefined : parseTimeLimit(options.timeout, '--timeout');
  const ci = ciMetadata();
  const request = {
    app,
    env,
    version: valid.optionalIdentifier(options.version, '--version'),
    commitSha: valid.commitSha(options.commit ?? ci.commitSha),
    repo: valid.repoName(options.repo ?? ci.repo),
    image: valid.optionalIdentifier(options.image, '--image', 1_000),
    operator: valid.optionalIdentifier(options.operator ?? ci.operator, '--operator'),
    message: valid.optionalText(options.message, '--message'),
    ciRunUrl: ci.ciRunUrl,
    idempotencyKey: valid.optionalIdentifier(options.key, '--key'),
    supersede: options.supersede === true,
  };
  const report = CiReport.from(options.dotenv);
  const plan = await planDeploy(options, argv, timeoutMs);
  return withStore({ ...ctx, storeWaitMs: timeoutMs }, async (store) => {
    // Read outside any transaction: git may take a moment on a large checkout, and a record's transaction stays short.
    const head = request.commitSha;
    const commits = head === undefined ? [] : await readCommitsBrought(head, () => store.read((tx) => lastSuccessCommit(tx, app, env)));
    return runDeployFlow(ctx, store, { ...request, commits }, plan, { timeoutMs, wait: options.wait === true }, report);
  });
}
