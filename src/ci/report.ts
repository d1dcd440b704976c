import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Deployment } from '../deployment/deployment.js';
import { quoted } from '../deployment/validate.js';
import { UsageError } from '../errors.js';
import type { Output } from '../terminal/output.js';
import { dotenvFile } from './dotenv.js';
import { githubOutput } from './github-output.js';
import { outcomeValues } from './outcome-values.js';
import { stepSummary } from './step-summary.js';
import { deservesAnnotation, errorAnnotation } from './workflow-command.js';

/**
 * Tells the CI system that runs shiplog how the deployments a command handled stand, in its own terms: under
 * GitHub Actions the step's outputs (GITHUB_OUTPUT), its summary page (GITHUB_STEP_SUMMARY) and an error
 * annotation for each failed or timed-out deployment; anywhere, a dotenv file (`--dotenv` / SHIPLOG_DOTENV) such
 * as GitLab's `reports: dotenv` artifact takes. Outputs and the dotenv file describe one deployment, so they are
 * written only when the command handled exactly one.
 */
export class CiReport {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly dotenvPath: string | undefined,
  ) {}

  /**
   * Reads where to write from `--dotenv` or SHIPLOG_DOTENV and the CI's variables. A dotenv file whose folder does
   * not exist is bad input, refused before anything is recorded.
   */
  static from(dotenvOption: string | undefined, env: NodeJS.ProcessEnv = process.env): CiReport {
    if (dotenvOption !== undefined && dotenvOption.trim() === '') throw new UsageError('--dotenv is empty; give a file name or leave --dotenv out', 'bad_value');
    const path = dotenvOption ?? (env.SHIPLOG_DOTENV || undefined);
    if (path !== undefined && !existsSync(dirname(resolve(path)))) {
      const from = dotenvOption === undefined ? 'SHIPLOG_DOTENV' : '--dotenv';
      throw new UsageError(`${from}: the folder of ${quoted(path)} does not exist; create it or name a file in an existing folder`, 'bad_value');
    }
    return new CiReport(env, path);
  }

  /**
   * Writes what the CI reads about these deployments. A file that cannot be written is said on stderr and does not
   * change the command's exit code, which stays the deployments' outcome.
   */
  write(out: Output, deployments: readonly Deployment[]): void {
    const github = this.env.GITHUB_ACTIONS === 'true';
    if (github) for (const d of deployments.filter(deservesAnnotation)) out.progress(errorAnnotation(d));
    const one = deployments.length === 1 ? deployments[0]! : undefined;
    if (github && this.env.GITHUB_OUTPUT) {
      if (one) this.attempt(out, 'GITHUB_OUTPUT', () => appendFileSync(this.env.GITHUB_OUTPUT!, githubOutput(outcomeValues(one))));
      else if (deployments.length > 1) out.progress(`GITHUB_OUTPUT: not written, since it describes one deployment and this command handled ${deployments.length}`);
    }
    if (github && this.env.GITHUB_STEP_SUMMARY && deployments.length > 0) {
      const server = this.env.GITHUB_SERVER_URL || 'https://github.com';
      this.attempt(out, 'GITHUB_STEP_SUMMARY', () => appendFileSync(this.env.GITHUB_STEP_SUMMARY!, stepSummary(deployments, server)));
    }
    if (this.dotenvPath !== undefined) {
      const path = this.dotenvPath;
      if (one) this.attempt(out, `dotenv file ${path}`, () => writeFileSync(path, dotenvFile(outcomeValues(one))));
      else if (deployments.length > 1) out.progress(`dotenv file ${path}: not written, since it describes one deployment and this command handled ${deployments.length}`);
    }
  }

  private attempt(out: Output, what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      out.progress(`could not write ${what}: ${error instanceof Error ? error.message : String(error)}; the deployment's outcome stands`);
    }
  }
}
