/**
 * The config loader's fuzz cases, shared by test/config/fuzz.test.ts (5,000 in the suite) and
 * bench/config-fuzz.ts (100,000 and more): random YAML and JSON text, random values written as
 * YAML or JSON, and mutations of valid specs (examples/*.yaml and the specs the tests load), by
 * bytes and by structure. The property: every case either loads into a spec that keeps the
 * spec's rules, or is refused with a ConfigError or UsageError whose every problem has a place
 * (the file, line >= 1, column >= 1, inside the text); never another exception.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseAndValidate } from '../../src/config/load.ts';
import { ClusterSpecSchema } from '../../src/config/schema.ts';
import { MAX_NODES, hostNameProblem, iqnProblem, portalProblem } from '../../src/config/validators.ts';
import { ConfigError, UsageError } from '../../src/engine/errors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Valid specs to mutate: the shipped examples, and specs in the shapes the tests and DESIGN.md use. */
export function seedSpecs(): string[] {
  const examples = readdirSync(`${ROOT}examples`)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => readFileSync(`${ROOT}examples/${f}`, 'utf8'));
  const full = {
    cluster: { name: 'HVCLUSTER01', windowsVersion: '2008R2', role: 'hyperv' },
    nodes: [
      { name: 'hv01', fqdn: 'hv01.lab.example.test', iqn: 'iqn.1991-05.com.microsoft:hv01.lab.example.test' },
      { name: 'HYPERVHOSTNODE-01B', fqdn: 'hypervhostnode-01b.lab.example.test' },
      { name: 'hv_03', iqn: 'eui.02004567A425678D' },
    ],
    activeDirectory: {
      domain: 'lab.example.test',
      servers: ['ldaps://dc1.lab.example.test', 'ldap://10.0.0.10:389'],
      dnsServers: ['10.0.0.10', '[fd00::10]:53'],
      tls: { caFile: './ca.pem', startTls: false, serverName: 'dc1.lab.example.test' },
      bind: { user: 'admin@lab.example.test', password: 'env:CLUSTERPROBE_AD_PASSWORD' },
      ou: 'OU=HyperV,OU=Servers,DC=lab,DC=example,DC=test',
    },
    storage: {
      iscsi: [
        {
          portal: '10.0.0.20:3260',
          targets: ['iqn.2026-11.example:csv1'],
          luns: [1, 2],
          chap: { user: 'csvuser', secret: 'env:CHAP_SECRET' },
        },
        { portal: '[fd00::20]:3260' },
      ],
      devices: ['/dev/sdb'],
      allowInUse: false,
    },
    windows: { powershell: 'pwsh', timeoutSeconds: 60 },
    plugins: ['./plugins/fqdn-in-domain.js'],
    waivers: [
      {
        check: 'ad.ou.placement',
        subject: 'hv03',
        justification: 'moving next week, ticket 4711',
        expires: '2026-12-31',
      },
    ],
  };
  return [
    ...examples,
    stringify(full),
    JSON.stringify(full, null, 2),
    JSON.stringify(full),
    'nodes:\n  - { name: HYPERVHOSTNODE-01A }\n  - { name: HYPERVHOSTNODE-01B }\n  - { name: hv03 }\n',
    'nodes: [{name: hv01}]\nstorage:\n  devices: [/dev/sdb]\n',
    '{"nodes": [{"name": "hv01"}], "cluster": {"windowsVersion": 2016}}',
  ];
}

/** Values that have broken parsers and validators before: quotes, controls, numbers that are not. */
const NASTY_STRINGS = [
  '',
  ' ',
  "hv01'x",
  'hv 01',
  'hv$(calc)',
  'hv`01',
  'hv‘01’',
  '\u0000',
  '\u001b[31m',
  '\ud800',
  '𝕙𝕧',
  'é',
  '\r\n',
  '\t',
  '10.0.0.20:99999',
  '10.0.0.20:0',
  '[::1]',
  '[zz]:1',
  'fd00::20::1',
  '10.0.0.300',
  '-',
  '-hv',
  'hv-',
  'a'.repeat(64),
  'a.'.repeat(130),
  'iqn.',
  'iqn.1991-13.x:y',
  'eui.',
  'naa.1',
  'iqn.1991-05.com.microsoft:',
  'ldaps://',
  'ldaps://:1',
  'OU=',
  '=x',
  'OU=a\\',
  ',,',
  'env:',
  'file:',
  'prompt',
  'null',
  '~',
  'true',
  '0x1F',
  '1e400',
  '-0',
  'NaN',
  '.inf',
  '2026-02-30',
  '__proto__',
  'constructor',
  'toString',
  '*',
  '&a',
  '!!binary',
  '%YAML',
  '---',
  '...',
  '#',
  '|',
  '>',
  '{',
  '[',
  '"',
  "'",
];
const nastyString = fc.constantFrom(...NASTY_STRINGS);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.record({ name: fc.oneof(nastyString, fc.string()) }), { maxLength: 70 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Characters YAML and JSON give meaning to, and some they choke on. */
const YAML_UNITS = [
  ...'abhv01 -_:.,#\'"{}[]&*!|>%@`?\\/\n\n\n\t\r=$~+<',
  '\u2028',
  '\ufeff',
  '\u0000',
  'é',
  '𝕙',
  '  ',
  '- ',
  ': ',
  '---\n',
  'nodes:',
  'name: ',
  'portal: ',
  '*a',
  '&a ',
  '!!str ',
  '<<: ',
];

/** Random text, as a truncated download or a wrong file would give. */
const randomText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...YAML_UNITS), maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => stringify(v)),
  fc.anything({ maxDepth: 4 }).map((v) => {
    try {
      return stringify(v);
    } catch {
      return String(v);
    }
  }),
);

type Mutation = (text: string, at: number, size: number, insert: string) => string;
const MUTATIONS: readonly Mutation[] = [
  (t, at, size) => t.slice(0, at) + t.slice(at + size), // delete
  (t, at, _size, insert) => t.slice(0, at) + insert + t.slice(at), // insert
  (t, at, size, insert) => t.slice(0, at) + insert + t.slice(at + size), // replace
  (t, at) => t.slice(0, at), // truncate
  (t, at, size) => t.slice(0, at) + t.slice(at, at + size).repeat(3) + t.slice(at + size), // repeat a piece
  (t, at) => {
    // swap two lines
    const lines = t.split('\n');
    const i = at % Math.max(1, lines.length);
    const j = (at * 7 + 3) % Math.max(1, lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines.join('\n');
  },
  (t, at) => {
    // indent or dedent one line
    const lines = t.split('\n');
    const i = at % Math.max(1, lines.length);
    lines[i] = at % 2 ? `  ${lines[i]}` : lines[i]!.replace(/^ {1,2}/, '');
    return lines.join('\n');
  },
];

/** A valid spec with a few byte-level edits. */
function textMutations(seeds: readonly string[]) {
  const edit = fc.record({
    op: fc.nat(MUTATIONS.length - 1),
    at: fc.nat(),
    size: fc.nat(40),
    insert: fc.oneof(fc.string({ unit: fc.constantFrom(...YAML_UNITS), maxLength: 12 }), nastyString),
  });
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) =>
      edits.reduce((t, e) => MUTATIONS[e.op]!(t, t.length === 0 ? 0 : e.at % (t.length + 1), e.size, e.insert), seed),
    );
}

/** Every path to a value in a parsed spec, e.g. ['nodes', 1, 'name']. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** A valid spec with one value replaced (or a key added), written back as YAML or JSON. */
function structuralMutations(seeds: readonly string[]) {
  const objects = seeds.map((s) => parseAndValidate(s, 'seed.yaml', ClusterSpecSchema) as unknown);
  return fc
    .tuple(
      fc.constantFrom(...objects),
      fc.nat(),
      nastyValue,
      fc.boolean(),
      fc.option(fc.oneof(nastyString, fc.constantFrom('nodes', 'name', 'portal', 'extra')), { nil: undefined }),
    )
    .map(([object, pick, value, asJson, newKey]) => {
      const copy = structuredClone(object) as Record<string, unknown>;
      const all = paths(copy);
      const path = all[pick % all.length]!;
      if (path.length === 0) return asJson ? JSON.stringify(value) : stringify(value);
      let parent: Record<string | number, unknown> = copy;
      for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
      if (
        newKey !== undefined &&
        parent[path.at(-1)!] !== null &&
        typeof parent[path.at(-1)!] === 'object' &&
        !Array.isArray(parent[path.at(-1)!])
      ) {
        (parent[path.at(-1)!] as Record<string, unknown>)[newKey] = value;
      } else parent[path.at(-1)!] = value;
      try {
        return asJson ? JSON.stringify(copy) : stringify(copy);
      } catch {
        return JSON.stringify(copy) ?? '';
      }
    });
}

/** One case: the text and whether it is named .json or .yaml (the syntax label differs). */
export interface FuzzCase {
  readonly text: string;
  readonly ext: 'yaml' | 'json';
}

export function fuzzCases(): fc.Arbitrary<FuzzCase> {
  const seeds = seedSpecs();
  return fc.record({
    text: fc
      .oneof(
        { arbitrary: randomText, weight: 2 },
        { arbitrary: textMutations(seeds), weight: 3 },
        { arbitrary: structuralMutations(seeds), weight: 3 },
      )
      .map((t) => (typeof t === 'string' ? t : '')),
    ext: fc.constantFrom('yaml' as const, 'json' as const),
  });
}

/**
 * Loads one case and checks the property; throws an AssertionError naming what went wrong.
 * Returns whether the text loaded or was refused.
 */
export function checkCase(c: FuzzCase): 'loaded' | 'refused' {
  const file = `/fuzz/cluster.${c.ext}`;
  let spec;
  try {
    spec = parseAndValidate(c.text, file, ClusterSpecSchema);
  } catch (err) {
    if (err instanceof ConfigError) {
      assert.ok(err.problems.length > 0, 'a ConfigError with no problem');
      const lines = c.text.split(/\r\n|\r|\n/).length;
      for (const p of err.problems) {
        assert.equal(p.file, file, `problem without the file: ${JSON.stringify(p)}`);
        assert.ok(
          Number.isInteger(p.line) && p.line >= 1 && p.line <= lines + 1,
          `line ${p.line} outside 1..${lines + 1}: ${JSON.stringify(p)}`,
        );
        assert.ok(Number.isInteger(p.column) && p.column >= 1, `column ${p.column}: ${JSON.stringify(p)}`);
        assert.ok(typeof p.message === 'string' && p.message.length > 0, `empty message: ${JSON.stringify(p)}`);
      }
      assert.equal(err.exitCode, 2);
      return 'refused';
    }
    if (err instanceof UsageError) {
      assert.equal(err.exitCode, 2);
      return 'refused';
    }
    throw new assert.AssertionError({
      message: `not a ConfigError/UsageError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`,
    });
  }
  // What loaded keeps the rules: nothing hostile slipped through.
  assert.ok(spec.nodes.length >= 1 && spec.nodes.length <= MAX_NODES, `loaded with ${spec.nodes.length} nodes`);
  for (const n of spec.nodes) {
    assert.equal(hostNameProblem(n.name), undefined, `loaded node name ${JSON.stringify(n.name)}`);
    if (n.iqn !== undefined) assert.equal(iqnProblem(n.iqn), undefined);
  }
  for (const p of spec.storage?.iscsi ?? [])
    assert.equal(portalProblem(p.portal), undefined, `loaded portal ${JSON.stringify(p.portal)}`);
  return 'loaded';
}
