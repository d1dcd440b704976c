import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Which files each file of a tree imports: static, type-only and dynamic imports and re-exports alike. */
export type ImportGraph = Map<string, string[]>;

/** Reads every `.ts` file under `root`; names are paths relative to `root`, with `/`. */
export function readImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of typescriptFiles(root)) {
    const name = relative(root, file).split(sep).join('/');
    const text = readFileSync(file, 'utf8');
    graph.set(name, relativeImports(text).map((specifier) => posix.normalize(posix.join(posix.dirname(name), specifier)).replace(/\.js$/, '.ts')));
  }
  return graph;
}

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative module specifiers a source names, found by TypeScript's parser rather than a pattern. */
function relativeImports(text: string): string[] {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.ES2022, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

/** Every import cycle, each once, as the files around it (the first file repeated at the end). */
export function importCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/**
 * shiplog's layers, lowest first: a file may import its own layer and those below it, never one above. A layer
 * is a list of folders (`deploy/`) and root files (`cli.ts`) of src/.
 */
export const layers: readonly (readonly string[])[] = [
  ['errors.ts', 'deployment/', 'timing/', 'terminal/', 'secrets/'],
  ['db/'],
  ['config/'],
  ['tracking/'],
  ['providers/', 'polling/', 'integrations/', 'ci/'],
  ['deploy/', 'rollback/', 'repair/', 'doctor/', 'insights/', 'import/', 'completion/'],
  ['commands/'],
  ['cli.ts'],
];

/** The layer a file of src/ belongs to, or undefined when no layer names it. */
export function layerOf(file: string, table: readonly (readonly string[])[] = layers): number | undefined {
  const index = table.findIndex((members) => members.some((member) => (member.endsWith('/') ? file.startsWith(member) : file === member)));
  return index === -1 ? undefined : index;
}

/** Each import of a file from a layer above its own, as `importer -> imported`. */
export function upwardImports(graph: ImportGraph, table: readonly (readonly string[])[] = layers): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    const own = layerOf(file, table);
    for (const imported of imports) {
      const theirs = layerOf(imported, table);
      if (own !== undefined && theirs !== undefined && theirs > own) found.push(`${file} -> ${imported}`);
    }
  }
  return found.sort();
}

/** The folder of this repository's src/. */
export const sourceRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..', 'src');
