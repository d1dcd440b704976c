import { CommanderError } from 'commander';
import { UsageError } from '../errors.js';

/**
 * commander's error codes as shiplog's JSON errors spell them. Every code shiplog itself gives is snake_case
 * (`bad_value`, `not_found`, `k8s_unreachable`), so commander's camelCase ones are renamed to match; where
 * shiplog already has a code for the same mistake, that one.
 */
const commanderCodes: Record<string, string> = {
  'commander.unknownCommand': 'unknown_command',
  'commander.unknownOption': 'unknown_option',
  'commander.missingArgument': 'missing_argument',
  'commander.optionMissingArgument': 'missing_option_value',
  'commander.missingMandatoryOptionValue': 'missing_option',
  'commander.excessArguments': 'excess_arguments',
  'commander.invalidArgument': 'bad_value',
  'commander.conflictingOption': 'option_conflict',
};

/**
 * A command-line mistake commander found, as one line: its typo suggestion ("(Did you mean deploy?)", on a
 * line of its own in commander's text) kept on the same line.
 */
export function commandLineError(error: CommanderError): UsageError {
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  const code = commanderCodes[error.code] ?? error.code.replace(/^commander\./, '').replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  return new UsageError(message, code);
}

/** shiplog's own codes for a command line missing a part, which the command's help lists. */
const missingPartCodes = new Set(['missing_option', 'missing_argument']);

/**
 * Whether an error is about the shape of the command line (commander's errors, a missing option or argument),
 * which the command's help answers; a value refused for what it names (an unknown id, nothing to roll back)
 * says what to do in its own words.
 */
export function isAboutCommandLine(error: unknown, code: string): boolean {
  return error instanceof CommanderError || missingPartCodes.has(code);
}

/**
 * An error's line, ending with where to read about the command it came from (`see 'shiplog deploy --help'`),
 * unless it already names a shiplog command to run. An unknown command points at the list of them.
 */
export function withHelpPointer(message: string, code: string, commandName: string | undefined): string {
  if (/'shiplog [\w-]/.test(message)) return message;
  const help = commandName === undefined || code === 'unknown_command' ? 'shiplog --help' : `shiplog ${commandName} --help`;
  return `${message.replace(/\.$/, '')}; see '${help}'`;
}
