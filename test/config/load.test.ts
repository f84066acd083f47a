import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPath, loadSpec, loadWaivers, parseAndValidate } from '../../src/config/load.ts';
import { ClusterSpecSchema } from '../../src/config/schema.ts';
import { ConfigError, UsageError } from '../../src/engine/errors.ts';

let dir = '';
let fileCount = 0;

/** Appended to specs whose test is about something else: a spec needs at least one node. */
const NODE = 'nodes:\n  - name: hv01\n';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clusterprobe-load-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `text` to a fresh file named `*.{ext}` in the temp dir and returns its path. */
async function configFile(text: string, ext: 'yaml' | 'json' = 'yaml'): Promise<string> {
  fileCount += 1;
  const file = join(dir, `config-${fileCount}.${ext}`);
  await writeFile(file, text);
  return file;
}

async function configErrorOf(load: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, but the file loaded');
}

interface ProblemCase {
  readonly name: string;
  readonly ext: 'yaml' | 'json';
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  /** Substrings the problem's message must contain (values the user needs, not wording). */
  readonly mentions?: readonly string[];
  /** Substrings that must appear nowhere in the error. */
  readonly never?: readonly string[];
}

const problemCases: readonly ProblemCase[] = [
  {
    name: 'type error in nodes[1].name',
    ext: 'yaml',
    text: 'cluster:\n  name: HVCLUSTER01\nnodes:\n  - name: hv01\n  - name: 42\n',
    line: 5,
    column: 11,
    path: 'nodes[1].name',
    mentions: ['got 42'],
  },
  {
    name: 'a mapping where a name belongs is called a mapping, not "a object"',
    ext: 'yaml',
    text: 'nodes:\n  - name: { first: hv01 }\n',
    line: 2,
    column: 11,
    path: 'nodes[0].name',
    mentions: ['got a mapping (key: value)'],
  },
  {
    name: 'unknown key in nodes[1] suggests the key meant',
    ext: 'yaml',
    text: 'nodes:\n  - name: hv01\n  - name: hv02\n    fqnd: hv02.lab.example.test\n',
    line: 4,
    column: 5,
    path: 'nodes[1].fqnd',
    mentions: ['"fqdn"'],
  },
  {
    name: 'unknown top-level key suggests the key meant',
    ext: 'yaml',
    text: `node:\n  - name: hv01\n${NODE}`,
    line: 1,
    column: 1,
    path: 'node',
    mentions: ['"nodes"'],
  },
  {
    name: 'literal secret in activeDirectory.bind.password',
    ext: 'yaml',
    text: `activeDirectory:\n  domain: lab.example.test\n  bind:\n    user: administrator@lab.example.test\n    password: Hunter2-Literal!\n${NODE}`,
    line: 5,
    column: 15,
    path: 'activeDirectory.bind.password',
    never: ['Hunter2-Literal!', 'Hunter2'],
  },
  {
    name: 'literal secret given as a number',
    ext: 'yaml',
    text: `activeDirectory:\n  domain: lab.example.test\n  bind:\n    user: administrator@lab.example.test\n    password: 73915824\n${NODE}`,
    line: 5,
    column: 15,
    path: 'activeDirectory.bind.password',
    never: ['73915824'],
  },
  {
    name: 'literal secret in storage.iscsi[0].chap.secret',
    ext: 'yaml',
    text: `storage:\n  iscsi:\n    - portal: 10.0.0.20:3260\n      chap:\n        user: csvuser\n        secret: ChapS3cretValue\n${NODE}`,
    line: 6,
    column: 17,
    path: 'storage.iscsi[0].chap.secret',
    never: ['ChapS3cretValue'],
  },
  {
    name: 'YAML syntax error',
    ext: 'yaml',
    text: 'cluster:\n  name: hv: 01\n',
    line: 2,
    column: 9,
    path: '',
  },
  {
    name: 'YAML syntax error: unexpected token',
    ext: 'yaml',
    text: 'nodes:\n  - name: hv01\n    fqdn: }\n',
    line: 3,
    column: 11,
    path: '',
  },
  {
    name: 'YAML syntax error: tab indentation',
    ext: 'yaml',
    text: 'cluster:\n\tname: hv01\n',
    line: 2,
    column: 1,
    path: '',
  },
  {
    name: 'duplicate key in YAML',
    ext: 'yaml',
    text: 'nodes:\n  - name: hv01\n    fqdn: a.lab.example.test\n    fqdn: b.lab.example.test\n',
    line: 4,
    column: 5,
    path: '',
  },
  {
    name: 'duplicate top-level key in YAML',
    ext: 'yaml',
    text: 'cluster:\n  name: HVCLUSTER01\ncluster:\n  name: HVCLUSTER02\n',
    line: 3,
    column: 1,
    path: '',
  },
  {
    name: 'type error in JSON',
    ext: 'json',
    text: '{\n  "nodes": [\n    {"name": "hv01"},\n    {"name": 42}\n  ]\n}\n',
    line: 4,
    column: 14,
    path: 'nodes[1].name',
    mentions: ['got 42'],
  },
  {
    name: 'unknown key in JSON',
    ext: 'json',
    text: '{\n  "nodes": [\n    {"name": "hv01"},\n    {"name": "hv02", "fqnd": "hv02.lab.example.test"}\n  ]\n}\n',
    line: 4,
    column: 22,
    path: 'nodes[1].fqnd',
    mentions: ['"fqdn"'],
  },
  {
    name: 'literal secret in JSON',
    ext: 'json',
    text: '{\n  "activeDirectory": {\n    "domain": "lab.example.test",\n    "bind": {"user": "a@lab.example.test", "password": "P@ssw0rd-Literal"}\n  },\n  "nodes": [{"name": "hv01"}]\n}\n',
    line: 4,
    column: 56,
    path: 'activeDirectory.bind.password',
    never: ['P@ssw0rd-Literal'],
  },
  {
    name: 'JSON syntax error',
    ext: 'json',
    text: '{\n  "nodes": [\n    {"name": "hv01"},\n    {"name" "hv02"}\n  ]\n}\n',
    line: 4,
    column: 13,
    path: '',
  },
  {
    name: 'duplicate key in JSON',
    ext: 'json',
    text: '{\n  "cluster": {\n    "name": "HVCLUSTER01",\n    "name": "HVCLUSTER02"\n  }\n}\n',
    line: 4,
    column: 5,
    path: '',
  },
];

describe('loadSpec: problems are placed at file, line, column and path', () => {
  for (const c of problemCases) {
    it(c.name, async () => {
      const file = await configFile(c.text, c.ext);
      const err = await configErrorOf(() => loadSpec(file));
      assert.equal(err.exitCode, 2);
      assert.equal(err.code, 'ECONFIG');
      const first = err.problems[0];
      assert.ok(first, 'expected at least one problem');
      assert.deepEqual(
        { file: first.file, line: first.line, column: first.column, path: first.path },
        { file, line: c.line, column: c.column, path: c.path },
      );
      for (const m of c.mentions ?? [])
        assert.ok(first.message.includes(m), `message should mention ${m}: ${first.message}`);
      const everything = [err.message, String(err.stack), JSON.stringify(err.problems)].join('\n');
      for (const secret of c.never ?? [])
        assert.ok(!everything.includes(secret), `the error must not contain ${secret}`);
    });
  }

  it('an unknown key with no close match suggests nothing', async () => {
    const err = await configErrorOf(async () => loadSpec(await configFile(`zzzzzz: 1\n${NODE}`)));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.path, 'zzzzzz');
    assert.ok(!/"[a-zA-Z]+"/.test(err.problems[0]?.message ?? ''), 'no quoted suggestion expected');
  });

  it('reports every literal secret in a CHAP block, none of them quoted', async () => {
    const text = `storage:\n  iscsi:\n    - portal: 10.0.0.20:3260\n      chap: { user: csvuser, secret: S3cretChap!, mutualUser: tgt, mutualSecret: MutualS3cret }\n${NODE}`;
    const err = await configErrorOf(async () => loadSpec(await configFile(text)));
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [
        [4, 38, 'storage.iscsi[0].chap.secret'],
        [4, 82, 'storage.iscsi[0].chap.mutualSecret'],
      ],
    );
    const everything = [err.message, JSON.stringify(err.problems)].join('\n');
    assert.ok(!everything.includes('S3cretChap!'));
    assert.ok(!everything.includes('MutualS3cret'));
  });

  it('sorts several problems by position', async () => {
    const text = 'nodes:\n  - name: 7\n  - name: hv02\n    fqnd: x\ncluster:\n  name: 9\n';
    const err = await configErrorOf(async () => loadSpec(await configFile(text)));
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [
        [2, 11, 'nodes[0].name'],
        [4, 5, 'nodes[1].fqnd'],
        [6, 9, 'cluster.name'],
      ],
    );
  });
});

describe('loadSpec: valid specs', () => {
  it('loads a valid spec and applies defaults', async () => {
    const file = await configFile(
      [
        'cluster:',
        '  name: HVCLUSTER01',
        '  windowsVersion: 2016',
        'activeDirectory:',
        '  domain: lab.example.test',
        '  bind:',
        '    user: administrator@lab.example.test',
        '    password: env:CLUSTERPROBE_AD_PASSWORD',
        'storage:',
        '  iscsi:',
        '    - portal: 10.0.0.20:3260',
        '      chap: { user: csvuser, secret: file:chap.secret }',
        NODE,
      ].join('\n'),
    );
    const { spec, file: loadedFrom } = await loadSpec(file);
    assert.equal(loadedFrom, file);
    assert.deepEqual(spec.nodes, [{ name: 'hv01' }]);
    assert.equal(spec.storage?.allowInUse, false);
    assert.equal(spec.cluster?.windowsVersion, '2016');
    assert.equal(spec.cluster?.name, 'HVCLUSTER01');
    assert.equal(spec.activeDirectory?.bind?.password, 'env:CLUSTERPROBE_AD_PASSWORD');
    assert.equal(spec.storage?.iscsi[0]?.chap?.secret, 'file:chap.secret');
  });

  const versionCases = [
    { written: '2016', expected: '2016' },
    { written: '2012', expected: '2012' },
    { written: '"2019"', expected: '2019' },
    { written: '2012R2', expected: '2012R2' },
    { written: '2008R2', expected: '2008R2' },
  ] as const;
  for (const c of versionCases) {
    it(`windowsVersion ${c.written} becomes "${c.expected}"`, async () => {
      const { spec } = await loadSpec(await configFile(`cluster:\n  windowsVersion: ${c.written}\n${NODE}`));
      assert.equal(spec.cluster?.windowsVersion, c.expected);
    });
  }

  it('refuses a windowsVersion that is not one it knows', async () => {
    const err = await configErrorOf(async () =>
      loadSpec(await configFile(`cluster:\n  windowsVersion: 2003\n${NODE}`)),
    );
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [[2, 19, 'cluster.windowsVersion']],
    );
  });

  it('loads the same spec from JSON', async () => {
    const json = await configFile(
      '{"cluster": {"windowsVersion": 2016}, "nodes": [{"name": "hv01"}], "storage": {"iscsi": []}}',
      'json',
    );
    const { spec } = await loadSpec(json);
    assert.deepEqual(spec, {
      cluster: { windowsVersion: '2016' },
      nodes: [{ name: 'hv01' }],
      storage: { iscsi: [], allowInUse: false },
    });
  });

  it('loads the example spec shipped in examples/', async () => {
    const example = fileURLToPath(new URL('../../examples/review-lab.yaml', import.meta.url));
    const { spec } = await loadSpec(example);
    assert.deepEqual(
      spec.nodes.map((n) => n.name),
      ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03'],
    );
  });
});

describe('parseAndValidate', () => {
  it('validates text against ClusterSpecSchema without touching the disk', () => {
    const spec = parseAndValidate('nodes:\n  - name: hv01\n', '/nowhere/cluster.yaml', ClusterSpecSchema);
    assert.deepEqual(spec, { nodes: [{ name: 'hv01' }] });
  });

  it('names the file as given when it is outside the working directory', () => {
    assert.throws(
      () => parseAndValidate('nodes:\n  - name: 42\n', '/nowhere/cluster.yaml', ClusterSpecSchema),
      (err: unknown) => err instanceof ConfigError && err.problems[0]?.file === '/nowhere/cluster.yaml',
    );
  });

  it('names the file relative to the working directory when inside it', () => {
    assert.throws(
      () => parseAndValidate('nodes:\n  - name: 42\n', join(process.cwd(), 'sub', 'cluster.yaml'), ClusterSpecSchema),
      (err: unknown) => err instanceof ConfigError && err.problems[0]?.file === join('sub', 'cluster.yaml'),
    );
  });
});

describe('loadSpec and loadWaivers: unreadable files', () => {
  it('a missing config file is a UsageError naming the file', async () => {
    const missing = join(dir, 'does-not-exist.yaml');
    await assert.rejects(loadSpec(missing), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.ok(!(err instanceof ConfigError));
      assert.equal(err.exitCode, 2);
      assert.equal(err.code, 'EUSAGE');
      assert.ok(err.message.includes(missing), err.message);
      return true;
    });
  });

  it('a directory is a UsageError naming it', async () => {
    const sub = join(dir, 'a-directory.yaml');
    await mkdir(sub, { recursive: true });
    await assert.rejects(
      loadSpec(sub),
      (err: unknown) => err instanceof UsageError && !(err instanceof ConfigError) && err.message.includes(sub),
    );
  });

  it('a missing waivers file is a UsageError naming the file', async () => {
    const missing = join(dir, 'no-waivers.yaml');
    await assert.rejects(
      loadWaivers(missing),
      (err: unknown) => err instanceof UsageError && err.exitCode === 2 && err.message.includes(missing),
    );
  });
});

describe('loadWaivers', () => {
  const expected = [
    {
      check: 'storage.pr.preempt',
      subject: 'LUN 3',
      justification: 'appliance firmware update, CHG-1234',
      expires: '2026-12-31',
    },
    { check: 'ad.*', justification: 'lab domain, CHG-99', expires: '2027-01-15' },
  ];
  const asList = [
    '- check: storage.pr.preempt',
    '  subject: LUN 3',
    '  justification: appliance firmware update, CHG-1234',
    '  expires: 2026-12-31',
    '- check: ad.*',
    '  justification: lab domain, CHG-99',
    '  expires: "2027-01-15"',
    '',
  ].join('\n');
  const asObject = `waivers:\n${asList
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;

  const forms = [
    { name: 'a list', text: asList, ext: 'yaml' },
    { name: 'an object with waivers:', text: asObject, ext: 'yaml' },
    { name: 'a JSON list', text: JSON.stringify(expected), ext: 'json' },
    { name: 'a JSON object with waivers', text: JSON.stringify({ waivers: expected }), ext: 'json' },
  ] as const;
  for (const f of forms) {
    it(`accepts ${f.name}`, async () => {
      assert.deepEqual(await loadWaivers(await configFile(f.text, f.ext)), expected);
    });
  }

  const badDates = [
    {
      name: 'month 13, day 45 in a list',
      text: '- check: a.b\n  justification: because\n  expires: 2026-13-45\n',
      line: 3,
      column: 12,
      path: '[0].expires',
    },
    {
      name: 'month 13, day 45 under waivers:',
      text: 'waivers:\n  - check: a.b\n    justification: because\n    expires: 2026-13-45\n',
      line: 4,
      column: 14,
      path: 'waivers[0].expires',
    },
    {
      name: 'February 30',
      text: '- check: a.b\n  justification: because\n  expires: 2026-02-30\n',
      line: 3,
      column: 12,
      path: '[0].expires',
    },
    {
      name: 'April 31',
      text: '- check: a.b\n  justification: because\n  expires: 2026-04-31\n',
      line: 3,
      column: 12,
      path: '[0].expires',
    },
    {
      name: 'not YYYY-MM-DD',
      text: '- check: a.b\n  justification: because\n  expires: 31/12/2026\n',
      line: 3,
      column: 12,
      path: '[0].expires',
    },
  ] as const;
  for (const c of badDates) {
    it(`rejects a bad date: ${c.name}`, async () => {
      const err = await configErrorOf(async () => loadWaivers(await configFile(c.text)));
      assert.ok(err.problems.length > 0);
      // A malformed date may be reported by both the format and the calendar rule: same place.
      for (const p of err.problems) assert.deepEqual([p.line, p.column, p.path], [c.line, c.column, c.path]);
    });
  }

  it('accepts February 29 in a leap year', async () => {
    const waivers = await loadWaivers(
      await configFile('- check: a.b\n  justification: because\n  expires: 2028-02-29\n'),
    );
    assert.equal(waivers[0]?.expires, '2028-02-29');
  });

  it('rejects an unknown key in a waiver', async () => {
    const err = await configErrorOf(async () =>
      loadWaivers(
        await configFile('- check: a.b\n  justification: because\n  expires: 2026-12-31\n  expire: 2027-01-01\n'),
      ),
    );
    assert.deepEqual(
      err.problems.map((p) => [p.line, p.column, p.path]),
      [[4, 3, '[0].expire']],
    );
  });
});

describe('formatPath', () => {
  const cases = [
    { path: [], expected: '' },
    { path: ['nodes'], expected: 'nodes' },
    { path: ['nodes', 1, 'name'], expected: 'nodes[1].name' },
    { path: ['storage', 'iscsi', 0, 'chap', 'secret'], expected: 'storage.iscsi[0].chap.secret' },
    { path: [0, 'expires'], expected: '[0].expires' },
    { path: ['a', 0, 1, 'b'], expected: 'a[0][1].b' },
  ] as const;
  for (const c of cases) {
    it(`${JSON.stringify(c.path)} -> ${JSON.stringify(c.expected)}`, () => {
      assert.equal(formatPath(c.path), c.expected);
    });
  }
});
