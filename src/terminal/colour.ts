/** Whether shiplog colours its output: never, always (to this depth), or where the stream is a terminal. */
export type ColourSetting = { mode: 'off' } | { mode: 'forced'; level: 1 | 2 | 3 } | { mode: 'auto' };

/**
 * The colour setting from `--no-color` and the environment, in Node's order of precedence: the flag, then
 * `FORCE_COLOR` (`0`/`false` off; empty, `true` or `1`–`3` on, even when the output is piped), then `NO_COLOR`
 * (any non-empty value; an empty `NO_COLOR=` counts as unset, as no-color.org says), then `TERM=dumb`.
 * Colour only: whether progress is drawn live depends on the terminal alone (see liveProgress).
 */
export function colourSetting(flagAllows: boolean, env: NodeJS.ProcessEnv): ColourSetting {
  if (!flagAllows) return { mode: 'off' };
  const forced = env.FORCE_COLOR;
  if (forced !== undefined) {
    if (forced === '0' || forced === 'false') return { mode: 'off' };
    return { mode: 'forced', level: /^[1-3]$/.test(forced) ? (Number(forced) as 1 | 2 | 3) : 1 };
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return { mode: 'off' };
  if (env.TERM === 'dumb') return { mode: 'off' };
  return { mode: 'auto' };
}

/** The chalk level for a stream: forced levels everywhere, one (16 colours, all shiplog uses) on a terminal in auto. */
export function colourLevel(setting: ColourSetting, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (setting.mode === 'forced') return setting.level;
  return setting.mode === 'auto' && isTTY ? 1 : 0;
}

/**
 * Whether progress on `stream` is drawn live (a spinner, a board redrawn in place): only on a terminal that can
 * move its cursor. Colour settings do not enter into it; anything else (a pipe, a CI log) gets plain lines.
 */
export function liveProgress(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
