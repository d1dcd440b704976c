/** One line of `doctor`: what was checked, how it stands, and what to do about it. */
export interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  /** Set when --fix changed something for this check. */
  fixed?: true;
}

export const ok = (check: string, message: string, fixed?: true): Check => ({ check, status: 'ok', message, ...(fixed ? { fixed } : {}) });
export const warn = (check: string, message: string): Check => ({ check, status: 'warn', message });
export const fail = (check: string, message: string): Check => ({ check, status: 'fail', message });
