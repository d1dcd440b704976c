import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importCycles, layerOf, readImportGraph, sourceRoot, upwardImports } from './support/import-graph.js';

/** A throwaway tree of TypeScript files, each given as its path and source. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'shiplog-graph-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the shape of src/', () => {
  const graph = readImportGraph(sourceRoot);

  test('src/ has no import cycle, type-only and dynamic imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  test('no file imports a layer above its own (commands → flows → providers → tracking → config → db → leaves)', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  test('every file of src/ belongs to a layer, so a new folder has to be placed in one', () => {
    expect([...graph.keys()].filter((file) => layerOf(file) === undefined)).toEqual([]);
  });

  test('the root of src/ holds at most three files', () => {
    const loose = readdirSync(sourceRoot, { withFileTypes: true }).filter((entry) => entry.isFile());
    expect(loose.map((entry) => entry.name).sort()).toEqual(['cli.ts', 'errors.ts']);
  });
});

describe('the checks themselves', () => {
  test('a cycle introduced on purpose is found, through a type-only and a dynamic import', () => {
    const root = tree({
      'db/store.ts': "import type { Opened } from './open.js';\nexport type Store = Opened;\n",
      'db/open.ts': "export type Opened = number;\nexport const load = () => import('./store.js');\n",
      'errors.ts': 'export {};\n',
    });
    expect(importCycles(readImportGraph(root))).toEqual([['db/open.ts', 'db/store.ts', 'db/open.ts']]);
  });

  test('an upward import introduced on purpose is named, and a downward one is not', () => {
    const root = tree({
      'db/deployments.ts': "import { track } from '../tracking/tracker.js';\nexport const list = track;\n",
      'tracking/tracker.ts': "import { ShiplogError } from '../errors.js';\nexport const track = ShiplogError;\n",
      'errors.ts': 'export class ShiplogError {}\n',
    });
    expect(upwardImports(readImportGraph(root))).toEqual(['db/deployments.ts -> tracking/tracker.ts']);
  });

  test('an import of a package is no edge, and a file outside the tree belongs to no layer', () => {
    const root = tree({ 'cli.ts': "import { Command } from 'commander';\nimport '../package.json';\nexport const c = Command;\n" });
    expect(readImportGraph(root).get('cli.ts')).toEqual(['../package.json']);
    expect(upwardImports(readImportGraph(root))).toEqual([]);
  });
});
