import type { Command } from 'commander';
import { configFileName } from '../config/config-file.js';
import { effectiveSettings, type EffectiveSettings, type Setting } from '../config/effective-settings.js';
import { quoted } from '../deployment/validate.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { CommandContext } from './context.js';

/** `shiplog config`: the settings a command run here starts from, and where each came from. Reads no store. */
export async function run(ctx: CommandContext, command: Command): Promise<ExitCodeValue> {
  const report = effectiveSettings(command, process.env);
  ctx.out.result(report, () => reportText(report));
  return ExitCode.ok;
}

function reportText(report: EffectiveSettings): string {
  const lines = [report.file === null ? `no ${configFileName} here or above (up to the repository's top or your home directory)` : `file: ${report.file}`];
  if (report.environments.length > 0) {
    const chosen = report.environment !== null && report.environments.includes(report.environment) ? `section "${report.environment}" applies` : 'no section applies';
    lines.push(`environments: ${report.environments.join(', ')} (${chosen})`);
  }
  const rows = Object.entries(report.settings).map(([key, setting]) => [key, valueText(setting), sourceText(setting)] as const);
  const keyWidth = Math.max(...rows.map(([key]) => key.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  lines.push('', ...rows.map(([key, value, source]) => `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`.trimEnd()));
  return lines.join('\n');
}

function valueText(setting: Setting): string {
  if (setting.value === null) return '-';
  const text = Array.isArray(setting.value) ? setting.value.join(', ') : String(setting.value);
  return /\p{Cc}/u.test(text) ? quoted(text) : text;
}

function sourceText(setting: Setting): string {
  switch (setting.source) {
    case 'flag':
      return `flag ${setting.flag}`;
    case 'env':
      return `env ${setting.variable}`;
    case 'file':
      return `file ${setting.file}:${setting.line}${setting.environment === undefined ? '' : ` (environments.${setting.environment})`}`;
    case 'built-in':
      return 'built-in';
    case 'none':
      return 'not set';
  }
}
