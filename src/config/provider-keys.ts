import type { Command } from 'commander';

/**
 * `deploy`'s provider options by provider: the keys that name a target (and so choose the provider), and those
 * that only refine it. `planDeploy` takes any of them as choosing their provider, and refuses two providers.
 */
const providers = [
  { target: ['k8s'], refining: ['container', 'kubeconfig', 'context'] },
  { target: ['helm'], refining: ['kubeconfig', 'context'] },
  { target: ['ncp-project', 'ncp-stage', 'ncp-scenario'], refining: ['ncp-endpoint'] },
  { target: ['status-url'], refining: ['status-field', 'success-values', 'failure-values', 'header'] },
] as const;

/**
 * The file's provider keys `deploy` must leave out. A provider named on the command line (any of its options,
 * or a command after `--`) replaces the file's: `deploy --status-url …` in a repository whose file names a
 * Kubernetes Deployment deploys by the status URL instead of refusing two providers. Without one, the file's
 * provider is the one whose target it names; a refining key alone (a default `ncp-endpoint`) chooses nothing.
 */
export function providerKeysLeftOut(command: Command, fileKeys: ReadonlySet<string>): Set<string> {
  if (command.name() !== 'deploy') return new Set();
  const givenOnCommandLine = (key: string) => command.getOptionValueSource(attributeOf(key)) === 'cli';
  const named = providers.filter((provider) => [...provider.target, ...provider.refining].some(givenOnCommandLine));
  const commandGiven = command.args.length > 0;
  const chosen = named.length > 0 || commandGiven ? named : providers.filter((provider) => provider.target.some((key) => fileKeys.has(key)));
  // --kubeconfig and --context refine --k8s and --helm alike: the chosen provider keeps them.
  const kept = new Set<string>(chosen.flatMap((provider) => [...provider.target, ...provider.refining]));
  return new Set(providers.filter((provider) => !chosen.includes(provider)).flatMap((provider) => [...provider.target, ...provider.refining]).filter((key) => !kept.has(key)));
}

function attributeOf(key: string): string {
  return key.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
