import type { Argument, Command, Option } from 'commander';
import type { CompletionValueKind } from './kinds.js';

/** What a value on the command line completes to. */
export type ValueSource =
  | { kind: 'choices'; choices: readonly string[] }
  /** Names from the store, through `shiplog __complete`. */
  | { kind: 'store'; values: CompletionValueKind }
  | { kind: 'files' }
  /** A value nothing can be offered for (a version, a message, a URL). */
  | { kind: 'free' };

export interface CompletionOption {
  /** `--app`, and `-V` where there is a short form. */
  names: string[];
  description: string;
  /** What its value completes to; null for a flag. */
  value: ValueSource | null;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  /** What its positional arguments complete to; null when it takes none. */
  operands: ValueSource | null;
}

export interface CompletionTree {
  /** The options before a command: the global ones, --help and --version. */
  options: CompletionOption[];
  commands: CompletionCommand[];
}

/** Options and arguments whose values come from the store or are files: by name, the same in every command. */
const storeValues: Record<string, CompletionValueKind> = { '--app': 'apps', '--env': 'envs', '--to': 'keys', id: 'keys', from: 'keys', to: 'keys' };
const fileValues = new Set(['--db', '--kubeconfig', '--backup', '--dotenv', 'file']);

/**
 * The command tree a completion script is generated from: every visible command and option, as commander
 * holds them (a choice list where the option or argument has one), so the scripts never drift from the CLI.
 */
export function completionTree(program: Command): CompletionTree {
  const help = program.createHelp();
  return {
    options: help.visibleOptions(program).map(completionOption),
    commands: help.visibleCommands(program).map((command) => ({
      name: command.name(),
      description: command.description(),
      options: help.visibleOptions(command).map(completionOption),
      operands: operandValues(command.registeredArguments),
    })),
  };
}

function completionOption(option: Option): CompletionOption {
  const names = [option.long, option.short].filter((name): name is string => name !== undefined);
  const takesValue = option.required || option.optional;
  return { names, description: option.description, value: takesValue ? valueSource(option.long ?? '', option.argChoices) : null };
}

/** What the first argument that offers anything completes to (`diff FROM TO` both complete to keys). */
function operandValues(args: readonly Argument[]): ValueSource | null {
  const first = args[0];
  return first ? valueSource(first.name(), first.argChoices) : null;
}

function valueSource(name: string, choices: readonly string[] | undefined): ValueSource {
  if (choices) return { kind: 'choices', choices };
  const values = storeValues[name];
  if (values) return { kind: 'store', values };
  return fileValues.has(name) ? { kind: 'files' } : { kind: 'free' };
}
