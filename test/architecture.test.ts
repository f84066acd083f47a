/**
 * The import graph of the shipped code (src/, checks/, scripts/, bin/) against the layering in
 * ARCHITECTURE.md: no cycle (type-only and dynamic imports included) and no import from a lower
 * layer into a higher one. The rules are data (LAYERS, FORBIDDEN, KNOWN) so a move only edits a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'checks', 'scripts', 'bin'];

/**
 * Layers by path prefix, the longest matching prefix wins. A file may import files of its own rank
 * or lower, never higher. `mayNotImport` forbids some lower layers on top of that.
 */
interface Layer {
  name: string;
  rank: number;
  prefixes: string[];
  mayNotImport?: string[];
}
export const LAYERS: Layer[] = [
  {
    name: 'util',
    rank: 0,
    prefixes: ['src/quote.ts', 'src/dn.ts', 'src/netbios.ts', 'src/limit.ts', 'src/errors.ts', 'src/codec/'],
  },
  { name: 'config', rank: 1, prefixes: ['src/config/'] },
  { name: 'engine', rank: 2, prefixes: ['src/engine/'] },
  { name: 'facts', rank: 3, prefixes: ['src/facts/'] },
  { name: 'probes', rank: 4, prefixes: ['src/scsi/', 'src/iscsi/', 'src/storage/', 'src/ad/', 'src/windows/'] },
  { name: 'probe-registry', rank: 4.5, prefixes: ['src/probes.ts'] },
  // Checks read facts and the spec; they never call a probe.
  { name: 'checks', rank: 5, prefixes: ['checks/'], mayNotImport: ['probes', 'probe-registry'] },
  { name: 'report', rank: 6, prefixes: ['src/report/'] },
  { name: 'commands', rank: 7, prefixes: ['src/commands/', 'src/index.ts', 'scripts/', 'bin/'] },
];

/** Imports forbidden whatever the ranks say: [from prefix, to prefix, why]. */
export const FORBIDDEN: [string, string, string][] = [
  ['src/scsi/', 'src/iscsi/', 'SCSI is transport-independent: src/scsi never imports src/iscsi'],
  // Probes and facts describe what was seen; findings and remediation are the checks' business.
  ...['src/facts/', 'src/scsi/', 'src/iscsi/', 'src/storage/', 'src/ad/', 'src/windows/', 'src/probes.ts'].map(
    (from): [string, string, string] => [
      from,
      'src/engine/report.ts',
      'probes and facts do not build findings or remediation (the report types are for checks and renderers)',
    ],
  ),
  // A check imports the helpers of checks/<area>/lib/, never another check.
  ['checks/', 'checks/', 'a check imports checks/<area>/lib/ only'],
];
/** Targets the checks rule above lets through (the check-side libraries) and the registry that lists every check. */
const CHECKS_MAY_IMPORT = (from: string, to: string): boolean =>
  /^checks\/[^/]+\/lib\//.test(to) || from === 'checks/index.ts';

/**
 * Arrows allowed on purpose against the layers, each saying why. `from` and `to` are a file or a
 * folder prefix (ending in `/`); `typeOnly` excuses `import type` only, so a value import along the
 * same arrow still fails. The test fails on a KNOWN row that matches no import, so the table
 * shrinks with the code.
 */
interface Known {
  from: string;
  to: string;
  typeOnly?: boolean;
  who: string;
}
export const KNOWN: Known[] = [
  // The demo drives the lab's servers.
  { from: 'scripts/demo.ts', to: 'test/lab/', who: 'by design: a demo of the lab, not shipped' },
];

const matches = (pattern: string, file: string): boolean =>
  pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern;
const knownRow = (from: string, to: string, edge: Edge): Known | undefined =>
  KNOWN.find((k) => matches(k.from, from) && matches(k.to, to) && (!k.typeOnly || edge.typeOnly));

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|js|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const rel = (p: string): string => relative(ROOT, p).split(sep).join('/');

/** One import arrow; `typeOnly` when every import of the target in the file is `import type`/`export type`/`import('x').T`. */
export interface Edge {
  typeOnly: boolean;
}
export type Graph = Map<string, Map<string, Edge>>;

/** The specifiers a file imports for their values: import/export declarations not marked type, and dynamic import(). */
function valueSpecifiers(file: string, text: string): Set<string> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) out.add(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) out.add(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every project file the scanned files import, type-only and dynamic `import()` included. */
export function importGraph(): Graph {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  const options = config?.options ?? {};
  const graph: Graph = new Map();
  const files = SCANNED.flatMap((d) => walk(join(ROOT, d), []));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const values = valueSpecifiers(file, text);
    const edges = new Map<string, Edge>();
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      // bin/run.js imports the build (dist/ is tsc's output of src/ and checks/): an import of the
      // file it was built from, whether or not dist/ exists yet.
      const specifier = imported.fileName.replace(/^((?:\.\.\/)+)dist\/(.*)\.js$/, '$1$2.ts');
      const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) continue;
      const target = rel(resolved.resolvedFileName);
      if (target.startsWith('..') || target.startsWith('node_modules/')) continue;
      const typeOnly = !values.has(imported.fileName) && (edges.get(target)?.typeOnly ?? true);
      edges.set(target, { typeOnly });
    }
    graph.set(rel(file), edges);
  }
  return graph;
}

export function layerOf(file: string): Layer | undefined {
  let best: Layer | undefined;
  let bestLength = -1;
  for (const layer of LAYERS) {
    for (const prefix of layer.prefixes) {
      if ((file === prefix || (prefix.endsWith('/') && file.startsWith(prefix))) && prefix.length > bestLength) {
        best = layer;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

/** Wrong-way imports, each as `from -> to (rule)`. */
export function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(from);
    if (!fromLayer) {
      out.push(`${from}: no layer for this path (add it to LAYERS in test/architecture.test.ts)`);
      continue;
    }
    for (const [to, edge] of targets) {
      if (knownRow(from, to, edge)) continue;
      const toLayer = layerOf(to);
      if (!toLayer) continue; // reported once as its own `from`, if scanned; unscanned targets (test/) are caught below
      if (toLayer.rank > fromLayer.rank) {
        out.push(
          `${from} -> ${to}: ${fromLayer.name} (${fromLayer.rank}) may not import ${toLayer.name} (${toLayer.rank})`,
        );
      } else if (fromLayer.mayNotImport?.includes(toLayer.name)) {
        out.push(`${from} -> ${to}: ${fromLayer.name} may not import ${toLayer.name}`);
      }
      for (const [fromPrefix, toPrefix, why] of FORBIDDEN) {
        if (!from.startsWith(fromPrefix) || !to.startsWith(toPrefix)) continue;
        if (fromPrefix === 'checks/' && CHECKS_MAY_IMPORT(from, to)) continue;
        out.push(`${from} -> ${to}: ${why}`);
      }
    }
    for (const [to, edge] of targets) {
      if (knownRow(from, to, edge) || SCANNED.some((d) => to.startsWith(`${d}/`)) || to.endsWith('.json')) continue;
      out.push(`${from} -> ${to}: shipped code imports a file outside ${SCANNED.join(', ')} (test/ is not shipped)`);
    }
  }
  return out;
}

/** Every strongly connected component of more than one file (or a file importing itself), as one cycle path each. */
export function cycles(graph: Graph): string[][] {
  const edges = (v: string): string[] =>
    [...(graph.get(v) ?? [])].filter(([w, edge]) => graph.has(w) && !knownRow(v, w, edge)).map(([w]) => w);
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!indexOf.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges(v).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) strongConnect(v);
  // One concrete cycle per component: breadth-first from its first file back to itself.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const parent = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of edges(v).filter((x) => members.has(x))) {
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
          return [...path, start];
        }
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
    return component;
  });
}

const graph = importGraph();

test('the import graph is read: type-only, re-exported and dynamic imports count', () => {
  // Guards against a scanner that silently finds nothing (every assertion below would pass).
  assert.ok(graph.size > 100, `only ${graph.size} files scanned`);
  const all = [...graph.values()].reduce((n, edges) => n + edges.size, 0);
  assert.ok(all > 300, `only ${all} imports found`);
  const probe = ts.preProcessFile(
    "import type { A } from './a.ts'; export * from './b.ts'; await import('./c.ts'); type D = import('./d.ts').D;",
    true,
    true,
  );
  assert.deepEqual(
    probe.importedFiles.map((f) => f.fileName),
    ['./a.ts', './b.ts', './c.ts', './d.ts'],
  );
});

test('no import cycle among src/, checks/, scripts/, bin/ (type-only imports included)', () => {
  const found = cycles(graph);
  assert.deepEqual(
    found.map((c) => c.join(' -> ')),
    [],
    `import cycles (break each by moving the shared part one layer down):\n${found.map((c) => `  ${c.join(' -> ')}`).join('\n')}`,
  );
});

test('no import against the layering (util < config < engine < facts < probes < checks < report < commands)', () => {
  const found = layerViolations(graph);
  assert.deepEqual(found, [], `wrong-way imports:\n${found.map((v) => `  ${v}`).join('\n')}`);
});

test('every KNOWN row still matches an import (remove the row when its owner has fixed it)', () => {
  const stale = KNOWN.filter(
    (k) =>
      ![...graph].some(([from, edges]) =>
        [...edges].some(([to, edge]) => matches(k.from, from) && matches(k.to, to) && (!k.typeOnly || edge.typeOnly)),
      ),
  );
  assert.deepEqual(
    stale.map((k) => `${k.from} -> ${k.to} (${k.who})`),
    [],
  );
});

test('the rules catch what they are for: a cycle (type-only too), a wrong-way import, scsi -> iscsi, check -> check', () => {
  const value = { typeOnly: false };
  const type = { typeOnly: true };
  const fake: Graph = new Map([
    ['src/engine/x.ts', new Map([['src/engine/y.ts', type]])],
    ['src/engine/y.ts', new Map([['src/engine/x.ts', type]])],
    ['src/quote.ts', new Map([['src/engine/report.ts', type]])],
    ['src/scsi/a.ts', new Map([['src/iscsi/b.ts', value]])],
    [
      'checks/ad/a.ts',
      new Map([
        ['checks/ad/b.ts', value],
        ['checks/ad/lib/gate.ts', value],
        ['src/ad/probe.ts', value],
      ]),
    ],
    ['checks/ad/c.ts', new Map([['src/ad/probe.ts', type]])],
    ['src/windows/errors.ts', new Map([['checks/shared/lib/fix.ts', value]])],
    ['src/ad/resolver.ts', new Map([['src/engine/report.ts', type]])],
  ]);
  assert.deepEqual(
    cycles(fake).map((c) => c.join(' -> ')),
    ['src/engine/x.ts -> src/engine/y.ts -> src/engine/x.ts'],
  );
  const violations = layerViolations(fake).join('\n');
  assert.match(violations, /src\/quote\.ts -> src\/engine\/report\.ts: util \(0\) may not import engine \(2\)/);
  assert.match(violations, /src\/scsi\/a\.ts -> src\/iscsi\/b\.ts: SCSI is transport-independent/);
  assert.match(violations, /checks\/ad\/a\.ts -> checks\/ad\/b\.ts: a check imports checks\/<area>\/lib\/ only/);
  assert.doesNotMatch(violations, /checks\/ad\/lib\/gate\.ts/);
  // A check takes fact types from src/facts: a type-only import of a probe is a violation too.
  assert.match(violations, /checks\/ad\/a\.ts -> src\/ad\/probe\.ts: checks may not import probes/);
  assert.match(violations, /checks\/ad\/c\.ts -> src\/ad\/probe\.ts: checks may not import probes/);
  assert.match(
    violations,
    /src\/windows\/errors\.ts -> checks\/shared\/lib\/fix\.ts: probes \(4\) may not import checks \(5\)/,
  );
  assert.match(violations, /src\/ad\/resolver\.ts -> src\/engine\/report\.ts: probes and facts do not build findings/);
});
