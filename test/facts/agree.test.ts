/**
 * The schema/type agreement (src/facts/schema/agree.ts) catches drift at every depth. Each mutation
 * below edits one schema's text the way a careless change would (a key dropped deep down, an extra
 * key, optional made required, an enum widened, null added...), and the schemas are type-checked
 * in-process with the TypeScript API over a virtual copy of the tree (the mutated file served from
 * memory, every other file from disk). Each mutation must give a diagnostic, and only at an
 * `Agrees<...>` assertion of the fact it touched; the unmutated tree must check clean. The first
 * agree.ts (a recursive `Shape<T>` compared as a whole) is kept below as text to show the drift it
 * let through: keys of `LoginFact`, five levels down, dropped or made required.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const SCHEMA = join(ROOT, 'src/facts/schema');
const AGREE = join(SCHEMA, 'agree.ts');

/** The agree.ts that compiled `true` although `LoginFact.negotiation` was missing from the schema. */
const OLD_AGREE = `
export type Shape<T> = T extends readonly (infer U)[]
  ? Shape<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Shape<T[K]> }
    : T;
export type Identical<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
export type Agrees<SchemaOutput, FactType> = Identical<Shape<SchemaOutput>, Shape<FactType>>;
`;

interface Mutation {
  /** What the mutation does, and where in the fact. */
  readonly name: string;
  /** The schema file edited, under src/facts/schema. */
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** The schema files whose agreement must fail (a shared schema in common.ts reaches several). */
  readonly caughtIn: readonly string[];
}

const MUTATIONS: readonly Mutation[] = [
  {
    name: 'drop an optional key 5 levels down: portals[].targets[].logins[].negotiation',
    file: 'storage.ts',
    from: "negotiation: z.enum(['mutualChap', 'other']).optional(),",
    to: '',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'drop another LoginFact key: portals[].targets[].logins[].statusClass',
    file: 'storage.ts',
    from: 'statusClass: z.number().optional(),',
    to: '',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'optional -> required in LoginFact: portals[].targets[].logins[].source',
    file: 'storage.ts',
    from: "source: z.literal('windows').optional(),\n  status: LoginStatusSchema,",
    to: "source: z.literal('windows'),\n  status: LoginStatusSchema,",
    caughtIn: ['storage.ts'],
  },
  {
    name: 'drop a TargetFact key: portals[].targets[].listedLuns',
    file: 'storage.ts',
    from: 'listedLuns: z.array(z.number()).optional(),',
    to: '',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'drop an InventoryLun key: portals[].targets[].logins[].luns[].error, devices[].lun.error',
    file: 'storage.ts',
    from: 'error: z.object({ code: z.string(), message: z.string() }).optional(),',
    to: '',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'optional -> required 7 levels down: portals[].targets[].logins[].luns[].designators[].naa',
    file: 'storage.ts',
    from: 'naa: z.number().optional(),',
    to: 'naa: z.number(),',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'widen an enum: LoginStatus gains a member',
    file: 'storage.ts',
    from: "'not-found',",
    to: "'not-found', 'gone',",
    caughtIn: ['storage.ts'],
  },
  {
    name: 'add an extra optional key: devices[].lun (InventoryLun) gains `serial`',
    file: 'storage.ts',
    from: 'deviceTypeName: z.string(),',
    to: 'deviceTypeName: z.string(), serial: z.string().optional(),',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'change a value type deep in PrFacts: disks[].keysBefore[].ours',
    file: 'storage.ts',
    from: 'ours: z.boolean()',
    to: 'ours: z.string()',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'add null deep in PrFacts: disks[].steps[].sense.asc',
    file: 'storage.ts',
    from: 'asc: z.number().optional(),',
    to: 'asc: z.number().nullable().optional(),',
    caughtIn: ['storage.ts'],
  },
  {
    name: 'drop a NodeOs field: nodes[].facts.os.lastBootUpTime',
    file: 'nodes.ts',
    from: 'lastBootUpTime: z.string().nullable(),',
    to: '',
    caughtIn: ['nodes.ts'],
  },
  {
    name: 'required -> optional: nodes[].facts.adapters[].mac',
    file: 'nodes.ts',
    from: 'mac: z.string().nullable(),',
    to: 'mac: z.string().nullable().optional(),',
    caughtIn: ['nodes.ts'],
  },
  {
    name: 'widen an enum: nodes[].facts.pendingReboot.indicators[]',
    file: 'nodes.ts',
    from: "'computerRename']",
    to: "'computerRename', 'other']",
    caughtIn: ['nodes.ts'],
  },
  {
    name: 'drop null: nodes[].facts.processors[].cores',
    file: 'nodes.ts',
    from: 'cores: z.number().nullable(),',
    to: 'cores: z.number(),',
    caughtIn: ['nodes.ts'],
  },
  {
    name: 'drop an optional key of NodeError: nodes[].remoteErrors[].exceptionType',
    file: 'nodes.ts',
    from: 'exceptionType: z.string().optional(),\n});\n\nconst NodeFactsSchema',
    to: '});\n\nconst NodeFactsSchema',
    caughtIn: ['nodes.ts'],
  },
  {
    name: 'drop a nested AD key: attempts[].certificate.altNames',
    file: 'ad.ts',
    from: 'altNames: z.string().optional(), ',
    to: '',
    caughtIn: ['ad.ts'],
  },
  {
    name: 'add an extra optional key: discovery.dcs[].reachable.port2',
    file: 'ad.ts',
    from: 'port: z.number(),\n      status:',
    to: 'port: z.number(),\n      port2: z.number().optional(),\n      status:',
    caughtIn: ['ad.ts'],
  },
  {
    name: 'add null: computers[].cn',
    file: 'ad.ts',
    from: 'cn: z.string(),',
    to: 'cn: z.string().nullable(),',
    caughtIn: ['ad.ts'],
  },
  {
    name: 'merge a union: bindIdentity error branch gains the dn of the other branch',
    file: 'ad.ts',
    from: 'z.object({ error: z.string() }),',
    to: 'z.object({ error: z.string(), dn: z.string() }),',
    caughtIn: ['ad.ts'],
  },
  {
    name: 'a shared schema: ResolverFailure.failures[].detail dropped (attempts[].resolver, dns[].resolverFailure...)',
    file: 'common.ts',
    from: 'detail: z.string() }',
    to: '}',
    caughtIn: ['ad.ts'],
  },
  {
    name: 'a shared schema: SecretProblem.reason widened (portals[].secretProblem, setupError.secret)',
    file: 'common.ts',
    from: "'notReference']",
    to: "'notReference', 'other']",
    caughtIn: ['ad.ts', 'storage.ts'],
  },
];

const OPTIONS: ts.CompilerOptions = (() => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, ROOT);
  assert.deepEqual(parsed.errors, []);
  return { ...parsed.options, noEmit: true, declaration: false };
})();
const ROOTS = ['ad.ts', 'nodes.ts', 'spec.ts', 'storage.ts', 'index.ts'].map((file) => join(SCHEMA, file));

let previous: ts.Program | undefined;

/** The type errors of the schema files, with `overrides` (absolute path -> text) in place of the files on disk. */
function check(
  overrides: ReadonlyMap<string, string>,
  roots: readonly string[] = ROOTS,
): { file: string; line: string; message: string }[] {
  const host = ts.createCompilerHost(OPTIONS);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (path) => overrides.get(resolve(path)) ?? readFile(path);
  host.getSourceFile = (path, language, onError, create) => {
    const text = overrides.get(resolve(path));
    return text === undefined
      ? getSourceFile(path, language, onError, create)
      : ts.createSourceFile(path, text, language);
  };
  // The previous program lends its unchanged files (zod's types, src/config...): each run re-checks, never re-parses.
  const program = ts.createProgram({ rootNames: roots, options: OPTIONS, host, oldProgram: previous });
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const file = d.file?.fileName ?? '(global)';
    const line =
      d.file && d.start !== undefined
        ? (d.file.text.split('\n')[d.file.getLineAndCharacterOfPosition(d.start).line] ?? '')
        : '';
    return { file: resolve(file), line, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
}

/** The schema files a mutation can reach: the file itself, or every fact's schema for common.ts. */
const reach = (mutation: Mutation): string[] => (mutation.file === 'common.ts' ? ROOTS : [join(SCHEMA, mutation.file)]);

/** The schema directory's text with one mutation applied (the `from` text must occur exactly once). */
function mutate(mutation: Mutation, agree?: string): Map<string, string> {
  const path = join(SCHEMA, mutation.file);
  const text = readFileSync(path, 'utf8');
  assert.equal(text.split(mutation.from).length, 2, `${mutation.file} holds ${JSON.stringify(mutation.from)} once`);
  const overrides = new Map([[path, text.replace(mutation.from, mutation.to)]]);
  if (agree !== undefined) overrides.set(AGREE, agree);
  return overrides;
}

test('the unmutated schemas agree with the fact types', () => {
  assert.deepEqual(check(new Map()), []);
});

test('the first agree.ts also compiles the unmutated schemas clean (the comparison below is fair)', () => {
  assert.deepEqual(check(new Map([[AGREE, OLD_AGREE]])), []);
});

for (const mutation of MUTATIONS) {
  test(`drift is a type error at the agreement: ${mutation.name}`, () => {
    const diagnostics = check(mutate(mutation), reach(mutation));
    assert.notEqual(diagnostics.length, 0, 'the mutation compiles clean: the agreement missed it');
    for (const d of diagnostics) {
      // The mutation itself must be well-formed: its only errors are the agreements it breaks.
      assert.match(d.line, /const _\w+: Agrees</, `${d.file}: ${d.message}`);
    }
    const files = [...new Set(diagnostics.map((d) => d.file))].sort();
    assert.deepEqual(
      files,
      mutation.caughtIn.map((file) => join(SCHEMA, file)),
    );
  });
}

test('the first agree.ts let drift in LoginFact (5 levels down) through: the bug this file guards', () => {
  const missed = MUTATIONS.filter((m) => /logins\[\]\.(negotiation|statusClass|source)$/.test(m.name));
  assert.equal(missed.length, 3);
  for (const mutation of missed) {
    assert.deepEqual(check(mutate(mutation, OLD_AGREE), reach(mutation)), [], mutation.name);
  }
});
