import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTools, missingToolsNotice } from './support/tools.js';

const empty = mkdtempSync(join(tmpdir(), 'shiplog-no-tools-'));
const shells = mkdtempSync(join(tmpdir(), 'shiplog-tools-'));
for (const name of ['tmux', 'zsh', 'fish']) {
  writeFileSync(join(shells, name), '#!/bin/sh\n');
  chmodSync(join(shells, name), 0o755);
}
afterAll(() => {
  rmSync(empty, { recursive: true, force: true });
  rmSync(shells, { recursive: true, force: true });
});

const names = (path: string) => missingTools(path).map((tool) => tool.name);

describe('the tools some tests drive', () => {
  it('finds a command in the directories of PATH, and misses it when none holds it', () => {
    expect(names(empty)).toEqual(expect.arrayContaining(['tmux', 'zsh', 'fish']));
    for (const name of ['tmux', 'zsh', 'fish']) expect(names(`${empty}${delimiter}${shells}`)).not.toContain(name);
  });

  it('says each missing one in a line with its Debian package, and one apt-get line for them all', () => {
    const notice = missingToolsNotice(missingTools(empty), false);

    expect(notice).toMatch(/^!! tmux is missing, so the tests of .* are SKIPPED: apt-get install tmux$/m);
    expect(notice).toMatch(/^!! zsh is missing, .*: apt-get install zsh$/m);
    expect(notice).toMatch(/^!! All of them: apt-get install (\S+ )*tmux zsh fish$/m);
  });

  it('fails the run under CI instead, naming what to install', () => {
    expect(() => missingToolsNotice(missingTools(empty), true)).toThrow(/tmux, zsh, fish are missing: apt-get install (\S+ )*tmux zsh fish \(as \.ci\/run does\)/);
  });

  it('says nothing when none is missing, under CI too', () => {
    expect(missingToolsNotice([], true)).toBe('');
    expect(missingToolsNotice([], false)).toBe('');
  });
});
