import { randomUUID } from 'node:crypto';
import type { OutcomeValue } from './outcome-values.js';

/**
 * Lines for the file GitHub Actions names in GITHUB_OUTPUT: `name=value`, or, for a value with a line break,
 * `name<<DELIMITER`, the value, and the delimiter alone on a line. The delimiter is random, as GitHub's own
 * toolkit makes it, so no value can end the block early; one that happens to hold it gets another.
 */
export function githubOutput(values: readonly OutcomeValue[], newDelimiter: () => string = () => `ghadelimiter_${randomUUID()}`): string {
  return values
    .map(([name, value]) => {
      if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
      let delimiter = newDelimiter();
      while (value.includes(delimiter)) delimiter = newDelimiter();
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}
