import type { Command } from 'commander';
import { bashScript } from '../completion/bash.js';
import { completionTree } from '../completion/command-tree.js';
import { fishScript } from '../completion/fish.js';
import type { CompletionShell } from '../completion/kinds.js';
import { zshScript } from '../completion/zsh.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { CommandContext } from './context.js';

/**
 * `shiplog completion bash|zsh|fish`: prints the script. It is generated from the whole command tree, built
 * afresh by `fullProgram`, whatever part of it the running command defined.
 */
export async function run(ctx: CommandContext, shell: CompletionShell, fullProgram: () => Command): Promise<ExitCodeValue> {
  const tree = completionTree(fullProgram());
  const script = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell](tree);
  ctx.out.stdout.write(script);
  return ExitCode.ok;
}
