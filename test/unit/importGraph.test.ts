import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Imports point one way. No module reaches itself through other modules (a circle makes load order
 * matter and hides which part owns a type), and no folder of the app reaches itself through other
 * folders: every folder sits above the ones it imports. Type-only imports count too: a type is a
 * dependency of the reader. ESLint's layer rules (layering.test.ts) fix the top-level direction; this
 * test keeps the inside of lib/ and shared/ ordered without a hand-written list that could go stale.
 */
const ROOT = join(__dirname, '..', '..');
const PRODUCT = ['lib', 'shared', 'functions', 'runtime', 'sandbox', 'scripts'];

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function importGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of PRODUCT.flatMap((part) => sourceFiles(join(ROOT, part)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const base = resolve(dirname(file), name);
        const target = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) =>
          existsSync(candidate),
        );
        if (!target) throw new Error(`${relative(ROOT, file)} imports ${name}, which is not a module here`);
        return relative(ROOT, target);
      });
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** The folder a module belongs to for layering: a top-level part, or a folder directly under lib/ or shared/. */
function folderOf(file: string): string {
  const [part, folder, ...rest] = file.split('/');
  return (part === 'lib' || part === 'shared') && rest.length > 0 ? `${part}/${folder}` : (part as string);
}

function foldersOf(graph: Graph): Graph {
  const folders: Graph = new Map();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const to = new Set(folders.get(from) ?? []);
    for (const target of targets) if (folderOf(target) !== from) to.add(folderOf(target));
    folders.set(from, [...to]);
  }
  return folders;
}

/** Strongly connected components of more than one node (Tarjan), each sorted: the circles. */
function circlesOf(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) circles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return circles;
}

describe('the import graph', () => {
  const graph = importGraph();

  it('reads the whole product', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('functions/timers/watchdog.ts')).toContain('shared/workflow/watchdog.ts');
  });

  it('has no circle of modules', () => {
    expect(circlesOf(graph)).toEqual([]);
  });

  it('has no circle of folders: each folder of lib/ and shared/ only imports folders below it', () => {
    expect(circlesOf(foldersOf(graph))).toEqual([]);
  });

  it('finds a circle, long or short, when there is one', () => {
    const made: Graph = new Map([
      ['shared/a/one.ts', ['shared/b/two.ts']],
      ['shared/b/two.ts', ['shared/c/three.ts']],
      ['shared/c/three.ts', ['shared/a/other.ts']],
      ['shared/a/other.ts', []],
      ['shared/d/four.ts', ['shared/d/five.ts']],
      ['shared/d/five.ts', ['shared/d/four.ts']],
    ]);
    expect(circlesOf(made)).toEqual([['shared/d/five.ts', 'shared/d/four.ts']]);
    expect(circlesOf(foldersOf(made))).toEqual([['shared/a', 'shared/b', 'shared/c']]);
  });
});
