import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = ['shared', 'functions', 'infra'];
const ALIASES: Record<string, string> = { '#shared/': 'shared/', '#functions/': 'functions/', '#infra/': 'infra/' };

/** Every TypeScript source file of the layers, relative to the repository. */
function sources(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
    );
  return LAYERS.flatMap(walk);
}

/** The project files a source imports (type-only imports included: they still tie the modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1] ?? m[2] ?? '');
  return specifiers.flatMap((spec) => {
    const alias = Object.keys(ALIASES).find((a) => spec.startsWith(a));
    if (alias !== undefined) return [normalize(ALIASES[alias] + spec.slice(alias.length))];
    if (spec.startsWith('.')) return [normalize(join(dirname(file), spec))];
    return [];
  });
}

/** The strongly connected components with more than one file (import circles), Tarjan's algorithm. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) {
    if (!index.has(v)) visit(v);
  }
  return found;
}

describe('the import graph', () => {
  const files = sources();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('reads the sources it checks (the walker and the import parser work)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get(join('functions', 'runtime.ts'))).toContain(join('shared', 'config', 'stack.ts'));
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });

  it('keeps functions and shared free of infra, but for the local runner that executes the synthesized state machines', () => {
    const intoInfra = [...graph]
      .filter(([file]) => !file.startsWith('infra'))
      .flatMap(([file, imports]) => imports.filter((i) => i.startsWith('infra')).map((i) => `${relative('.', file)} → ${i}`));
    expect(intoInfra).toEqual([`${join('functions', 'local', 'local-sweep.ts')} → ${join('infra', 'create-app.ts')}`]);
  });
});
