import { describe, expect, it } from 'vitest';
import { colourLevel, colourSetting, liveProgress } from '../src/terminal/colour.js';
import { table } from '../src/terminal/format.js';
import { printable, type Layout } from '../src/terminal/printable.js';
import { cutEnd, displayWidth, fitLine } from '../src/terminal/width.js';

describe('printable: nothing from the store can drive a terminal', () => {
  it.each<[string, string, Layout, string]>([
    ['a colour code', 'ok \x1b[31mred\x1b[0m', 'line', 'ok \\u001b[31mred\\u001b[0m'],
    ['a window title (OSC ended by BEL)', '\x1b]0;pwned\x07x', 'line', '\\u001b]0;pwned\\u0007x'],
    ['a clear screen', '\x1b[2J\x1b[H', 'line', '\\u001b[2J\\u001b[H'],
    ['DEL and a C1 control (CSI)', 'a\x7fb\x9b31m', 'line', 'a\\u007fb\\u009b31m'],
    ['a carriage return that would overwrite the line', 'safe\rEVIL', 'block', 'safe\\u000dEVIL'],
    ['bidirectional overrides', 'a\u202eb\u2066c', 'line', 'a\\u202eb\\u2066c'],
    ['line breaks in one-line text', 'one\ntwo\r\nthree', 'line', 'one ↵ two ↵ three'],
    ['a tab in one-line text', 'a\tb', 'line', 'a b'],
    ['line breaks and tabs in a block', 'one\r\n\ttwo', 'block', 'one\n\ttwo'],
    ['a line separator', 'a\u2028b', 'line', 'a ↵ b'],
    ['every control, quoted exactly', 'a\nb\tc', 'exact', 'a\\u000ab\\u0009c'],
    ['Korean and emoji, untouched', '김철수 웹 🚀', 'line', '김철수 웹 🚀'],
  ])('%s', (_what, text, layout, shown) => {
    expect(printable(text, layout)).toBe(shown);
  });
});

describe('display width', () => {
  it.each<[string, number]>([
    ['web', 3],
    ['웹', 2],
    ['김철수', 6],
    ['e\u0301', 1],
    ['\x1b[32msuccess\x1b[39m', 7],
    ['🚀', 2],
  ])('%j takes %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it.each<[string, number, string]>([
    ['deployment', 20, 'deployment'],
    ['deployment', 6, 'deplo…'],
    ['김철수김철수', 7, '김철수…'],
    ['김철수김철수', 6, '김철…'],
    ['abc', 0, ''],
  ])('cutEnd(%j, %i) is %j', (text, width, cut) => {
    expect(cutEnd(text, width)).toBe(cut);
    expect(displayWidth(cutEnd(text, width))).toBeLessThanOrEqual(width);
  });
});

describe('fitLine keeps how a deployment stands and cuts the middle', () => {
  const head = '⠋ dep_01JD5ZQ8R4M1JHYSC4S6WB6N api 2.0.0 -> prod';
  it('leaves a line that fits as it is', () => {
    expect(fitLine('⠋ dep_A', ': running 3s', 40)).toBe('⠋ dep_A: running 3s');
  });
  it('cuts the end of the label, so the status and the elapsed time stay', () => {
    const line = fitLine(head, ': status URL says rolling', 59, ' 1m 05s');
    expect(line).toBe('⠋ dep_01JD5ZQ8R4M1JHYSC4S6…: status URL says rolling 1m 05s');
    expect(displayWidth(line)).toBeLessThanOrEqual(59);
  });
  it('with a long state too, keeps the label\'s start, the state\'s start and the elapsed time', () => {
    const line = fitLine(head, `: status URL says rolling ${'x'.repeat(80)}`, 40, ' 1m 05s');
    expect(line).toBe('⠋ dep_01JD5Z…: status URL says r… 1m 05s');
    expect(displayWidth(line)).toBe(40);
  });
});

describe('table', () => {
  const rows = [
    ['1', '웹', '김철수', 'running', 'first line\nsecond line'],
    ['2', 'web', 'bob', 'success', 'a'.repeat(60)],
  ];
  const header = ['ID', 'APP', 'OPERATOR', 'STATUS', 'MESSAGE'];

  it('aligns columns by display width, Korean text included', () => {
    const lines = table(header, rows).split('\n');
    const statusAt = (line: string, word: string) => displayWidth(line.slice(0, line.indexOf(word)));
    expect(statusAt(lines[1]!, 'running')).toBe(statusAt(lines[0]!, 'STATUS'));
    expect(statusAt(lines[2]!, 'success')).toBe(statusAt(lines[0]!, 'STATUS'));
  });

  it('shows a multi-line message on one line with a visible mark', () => {
    expect(table(header, rows).split('\n')[1]).toMatch(/first line ↵ second line$/);
  });

  it('cuts the widest free-text column with … to fit the width, and only that one', () => {
    const lines = table(header, rows, { width: 60, cuttable: [2, 4] }).split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines[2]).toMatch(/a…$/);
    expect(lines[1]).toContain('김철수');
  });

  it('keeps every character when no width is given (output piped)', () => {
    expect(table(header, rows, { width: undefined, cuttable: [4] })).toContain('a'.repeat(60));
  });

  it('never widens a column it cannot cut enough', () => {
    const lines = table(['A', 'B'], [['x'.repeat(30), 'tiny']], { width: 10, cuttable: [1] }).split('\n');
    expect(lines[1]).toBe(`${'x'.repeat(30)}  tiny`);
  });
});

describe('colour settings', () => {
  it.each<[string, boolean, NodeJS.ProcessEnv, boolean, number]>([
    ['a terminal', true, {}, true, 1],
    ['a pipe', true, {}, false, 0],
    ['NO_COLOR=1', true, { NO_COLOR: '1' }, true, 0],
    ['an empty NO_COLOR= counts as unset', true, { NO_COLOR: '' }, true, 1],
    ['--no-color wins over FORCE_COLOR', false, { FORCE_COLOR: '1' }, true, 0],
    ['FORCE_COLOR=0 on a terminal', true, { FORCE_COLOR: '0' }, true, 0],
    ['FORCE_COLOR=1 on a pipe', true, { FORCE_COLOR: '1' }, false, 1],
    ['FORCE_COLOR=3 on a pipe', true, { FORCE_COLOR: '3' }, false, 3],
    ['an empty FORCE_COLOR= forces colour (as Node reads it)', true, { FORCE_COLOR: '' }, false, 1],
    ['FORCE_COLOR wins over NO_COLOR (as Node reads them)', true, { FORCE_COLOR: '2', NO_COLOR: '1' }, false, 2],
    ['TERM=dumb', true, { TERM: 'dumb' }, true, 0],
  ])('%s', (_what, flag, env, isTTY, level) => {
    expect(colourLevel(colourSetting(flag, env), isTTY)).toBe(level);
  });

  it('live progress depends on the terminal only, never on colour', () => {
    expect(liveProgress({ isTTY: true }, { NO_COLOR: '1' })).toBe(true);
    expect(liveProgress({ isTTY: false }, { FORCE_COLOR: '3' })).toBe(false);
    expect(liveProgress({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
