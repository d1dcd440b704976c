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
  /** Whether it is here, looking for commands in the directories of `path` (a PATH value). */
  present(path: string): boolean;
}

const tools = {
  chromium: { debianPackage: 'chromium', usedFor: 'the HTML report in a real browser', present: () => executable(chromiumPath) },
  prometheus_client: {
    debianPackage: 'python3-prometheus-client',
    usedFor: "stats' OpenMetrics read back by the reference parser",
    present: () => spawnSync(systemPython, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' }).status === 0,
  },
  kubectl: { debianPackage: 'kubernetes-client', usedFor: 'rollout verdicts compared with kubectl rollout status', present: (path) => onPath('kubectl', path) },
  tmux: { debianPackage: 'tmux', usedFor: 'output on real terminals of 60 and 120 columns', present: (path) => onPath('tmux', path) },
  zsh: { debianPackage: 'zsh', usedFor: 'the zsh completion script', present: (path) => onPath('zsh', path) },
  fish: { debianPackage: 'fish', usedFor: 'the fish completion script', present: (path) => onPath('fish', path) },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof tools;

export interface MissingTool {
  name: ToolName;
  debianPackage: string;
  /** What is skipped without it and the package that brings it, in one line. */
  line: string;
}

const found = new Map<ToolName, boolean>();

/**
 * Whether the tool is on this machine, for `it.skipIf(!hasTool('zsh'))`. The run's global setup has already said
 * which are missing (test/support/global-setup.ts), or failed the run under CI.
 */
export function hasTool(name: ToolName): boolean {
  if (!found.has(name)) found.set(name, tools[name].present(process.env.PATH ?? ''));
  return found.get(name)!;
}

/** The tools missing here, commands looked for in `path`. */
export function missingTools(path = process.env.PATH ?? ''): MissingTool[] {
  return (Object.keys(tools) as ToolName[])
    .filter((name) => !tools[name].present(path))
    .map((name) => {
      const { debianPackage, usedFor } = tools[name];
      return { name, debianPackage, line: `${name} is missing, so the tests of ${usedFor} are SKIPPED: apt-get install ${debianPackage}` };
    });
}

/**
 * What the run says of the missing tools before any test: a line each, and the one apt-get line for them all.
 * Under CI, which installs every one (.ci/run), it throws instead: a missing tool fails the run.
 */
export function missingToolsNotice(missing: MissingTool[], ci: boolean): string {
  if (missing.length === 0) return '';
  const install = `apt-get install ${missing.map((tool) => tool.debianPackage).join(' ')}`;
  if (ci) throw new Error(`CI runs every test, and ${missing.map((tool) => tool.name).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: ${install} (as .ci/run does)`);
  return `\n${'!'.repeat(78)}\n${missing.map((tool) => `!! ${tool.line}\n`).join('')}!! All of them: ${install}\n${'!'.repeat(78)}\n\n`;
}

function onPath(command: string, path: string): boolean {
  return path.split(delimiter).some((dir) => dir !== '' && executable(join(dir, command)));
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
