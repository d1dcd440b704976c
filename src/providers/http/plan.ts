import { UsageError } from '../../errors.js';
import { followByPolling } from '../../polling/follow-by-polling.js';
import { pollSettings } from '../../polling/poll-settings.js';
import type { DeployPlan, ProviderOptions } from '../provider.js';
import { headerValues } from './headers.js';
import { statusUrlProbe } from './probe.js';
import { httpTargetFromOptions } from './target.js';

/**
 * `deploy --status-url URL`: a deployment some other system runs and reports at a JSON status endpoint. It is
 * under way already, so the record starts `running` and nothing is started; with --wait it is polled like
 * `poll`. Header values are never recorded: `env:VAR` is kept as a reference, read by whichever process polls;
 * a literal value lives only in this process, so it is accepted only with --wait (a later `poll` could not
 * send it).
 */
export async function httpPlan(options: ProviderOptions): Promise<DeployPlan> {
  const { target, literals } = httpTargetFromOptions(options);
  const plan: DeployPlan = { provider: 'http', target: { ...target }, initialStatus: 'running', source: 'poll' };
  if (!options.wait) {
    if (literals.size > 0) {
      const names = [...literals.keys()].join(', ');
      throw new UsageError(
        `--header ${names}: a literal header value is never stored, so only a deploy that waits can send it; add --wait, or write '${[...literals.keys()][0]}: env:VAR' so a later poll reads it from the environment`,
        'literal_header',
      );
    }
    return plan;
  }
  const settings = pollSettings({ interval: options.interval });
  const probe = statusUrlProbe(target, headerValues(target.headers, literals, process.env));
  return { ...plan, follow: (tracker, deployment, follow) => followByPolling(tracker, deployment, probe, follow, settings) };
}
