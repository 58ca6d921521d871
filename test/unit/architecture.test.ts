import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The layering rules of ARCHITECTURE.md, checked on the source itself: imports point down
// (core never imports a tool), no import cycle (type imports included: a type that two
// files need moves to a file of its own), and files and functions stay small.
const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms;

const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) =>
    normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))));

const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
const name = (file: string): string => relative(root, file);

/** Every cycle's files, found by a depth-first walk (one cycle per back edge is enough). */
const cycles = (): string[][] => {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next].map(name));
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
};

describe('architecture', () => {
  it('reads the imports it checks (the walk sees the whole tree)', () => {
    expect(graph.size).toBeGreaterThan(200);
    const edges = [...graph.values()].reduce((sum, deps) => sum + deps.length, 0);
    expect(edges).toBeGreaterThan(graph.size);
  });

  it('has no import cycle, type imports included', () => {
    expect(cycles()).toEqual([]);
  });

  it('core never imports a tool', () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      name(file).startsWith('src/core/') ? deps.filter((dep) => name(dep).startsWith('src/tools/')).map((dep) => `${name(file)} → ${name(dep)}`) : []);
    expect(upward).toEqual([]);
  });

  it('keeps every source file under 400 lines', () => {
    const long = [...graph.keys()]
      .map((file) => ({ file: name(file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });

  it('keeps every function within 80 lines', () => {
    const long: string[] = [];
    for (const file of graph.keys()) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
          const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const last = source.getLineAndCharacterOfPosition(node.end).line;
          if (last - first + 1 > 80) long.push(`${name(file)}:${first + 1} (${last - first + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
