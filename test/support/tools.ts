import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { systemPython } from './openmetrics.js';

/** Debian's chromium, as CI installs it; playwright-core drives it (no browser download). */
export const chromiumPath = '/usr/bin/chromium';

/**
 * A program some tests drive that Node, npm and PostgreSQL do not bring: the README's set-up leaves it out, so a
 * fresh machine may lack it. Missing, the tests that need it are skipped and the run says so in one line naming
 * the Debian package; under CI (`.ci/run` installs every one) a missing tool fails the run.
 */
interface Tool {
  /** The Debian package that brings it. */
  debianPackage: string;
  /** What the suite uses it for, for the line that says it is missing. */
  usedFor: string;
  present(): boolean;
}

const tools = {
  chromium: { debianPackage: 'chromium', usedFor: 'the HTML report in a real browser', present: () => executable(chromiumPath) },
  prometheus_client: {
    debianPackage: 'python3-prometheus-client',
    usedFor: "stats' OpenMetrics read back by the reference parser",
    present: () => spawnSync(systemPython, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' }).status === 0,
  },
  tmux: { debianPackage: 'tmux', usedFor: 'output on real terminals of 60 and 120 columns', present: () => onPath('tmux') },
  zsh: { debianPackage: 'zsh', usedFor: 'the zsh completion script', present: () => onPath('zsh') },
  fish: { debianPackage: 'fish', usedFor: 'the fish completion script', present: () => onPath('fish') },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof tools;

const found = new Map<ToolName, boolean>();

/**
 * Whether the tool is on this machine, for `it.skipIf(!hasTool('zsh'))`. The run's global setup has already said
 * which are missing (test/support/global-setup.ts), or failed the run under CI.
 */
export function hasTool(name: ToolName): boolean {
  if (!found.has(name)) found.set(name, tools[name].present());
  return found.get(name)!;
}

/** The tools this machine lacks, each with its one line: what is skipped and the package that brings it. */
export function missingTools(): { name: ToolName; debianPackage: string; line: string }[] {
  return (Object.keys(tools) as ToolName[])
    .filter((name) => !hasTool(name))
    .map((name) => {
      const { debianPackage, usedFor } = tools[name];
      return { name, debianPackage, line: `${name} is missing, so the tests of ${usedFor} are SKIPPED: apt-get install ${debianPackage}` };
    });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, command)));
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
