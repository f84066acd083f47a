/**
 * Loader messages a new user met and could not act on (issue 11, the new-user trial): a UTF-16
 * file, zod's own "Invalid input" wording, a JSON syntax error told five times in YAML terms, an
 * env: reference with a bad name called a literal secret, the wrong kind of file given as
 * waivers, an IP address as a node name. Each case is the message as the user sees it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, loadWaivers } from '../../src/config/load.ts';
import { loadReport } from '../../src/engine/report-file.ts';
import { loadFacts } from '../../src/engine/facts.ts';
import { UsageError, ConfigError } from '../../src/engine/errors.ts';

let dir = '';
let count = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clusterprobe-messages-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, body: string | Buffer): Promise<string> {
  count += 1;
  const path = join(dir, `${count}-${name}`);
  await writeFile(path, body);
  return path;
}

/** Every line the error prints (a ConfigError's problems as `line:col path: message`). */
async function linesOf(load: () => Promise<unknown>): Promise<string[]> {
  try {
    await load();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError or ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    if (err instanceof ConfigError)
      return err.problems.map((p) => `${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`);
    return [err.message];
  }
  assert.fail('expected an error, but the file loaded');
}

const SPEC = 'cluster: {name: C1}\nnodes: [{name: hv01}, {name: hv02}]\n';
const utf16le = (s: string) => Buffer.from(s, 'utf16le');
const utf16be = (s: string) => utf16le(s).swap16();
const utf32le = (s: string) => Buffer.concat([...s].map((c) => Buffer.from([c.charCodeAt(0), 0, 0, 0])));
const utf32be = (s: string) => Buffer.concat([...s].map((c) => Buffer.from([0, 0, 0, c.charCodeAt(0)])));

describe('a file in UTF-16 or UTF-32 is named as such, with the command to convert it', () => {
  const cases = [
    {
      name: 'UTF-16LE with BOM (PowerShell 5.1 >)',
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(SPEC)]),
      says: [
        'is UTF-16 (little-endian); save it as UTF-8',
        'Get-Content -Encoding Unicode',
        'Set-Content -Encoding utf8',
        'iconv -f UTF-16 -t UTF-8',
      ],
    },
    {
      name: 'UTF-16BE with BOM',
      body: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(SPEC)]),
      says: ['is UTF-16 (big-endian)', 'Get-Content -Encoding BigEndianUnicode', 'iconv -f UTF-16 -t UTF-8'],
    },
    {
      name: 'UTF-16LE without BOM',
      body: utf16le(SPEC),
      says: ['is UTF-16 (little-endian)', 'iconv -f UTF-16LE -t UTF-8'],
    },
    {
      name: 'UTF-16BE without BOM',
      body: utf16be(SPEC),
      says: ['is UTF-16 (big-endian)', 'iconv -f UTF-16BE -t UTF-8'],
    },
    {
      name: 'UTF-32LE with BOM',
      body: Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32le(SPEC)]),
      says: ['is UTF-32 (little-endian)', 'Get-Content -Encoding UTF32', 'iconv -f UTF-32 -t UTF-8'],
    },
    {
      name: 'UTF-32BE without BOM',
      body: utf32be(SPEC),
      says: ['is UTF-32 (big-endian)', 'iconv -f UTF-32BE -t UTF-8'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const path = await file('u16.yaml', c.body);
      const [line, ...rest] = await linesOf(() => loadSpec(path));
      assert.deepEqual(rest, []);
      for (const s of c.says) assert.ok(line!.includes(s), `should say ${s}: ${line}`);
      assert.ok(!line!.includes('Invalid input'), line);
    });
  }

  it('every file read through the same reader: waivers, report --from, baseline, facts', async () => {
    const path = await file('x.json', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('[]')]));
    for (const load of [
      () => loadWaivers(path),
      () => loadReport(path),
      () => loadReport(path, 'baseline'),
      () => loadFacts(path, {}),
    ]) {
      const [line] = await linesOf(load);
      assert.match(line!, /is UTF-16 \(little-endian\); save it as UTF-8/);
    }
  });

  it('UTF-8 with a BOM (PowerShell 5.1 Set-Content -Encoding utf8) loads', async () => {
    const path = await file('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SPEC)]));
    assert.equal((await loadSpec(path)).spec.nodes.length, 2);
  });
});

describe("what was expected, not zod's Invalid input", () => {
  const cases: readonly { name: string; text: string; ext?: string; lines: readonly (string | RegExp)[] }[] = [
    {
      name: 'a top level that is a list',
      text: '- a\n- b\n',
      lines: [
        '1:1 expected the cluster spec, a mapping with nodes: (clusterprobe init --example writes a commented one); got a list',
      ],
    },
    {
      name: 'a top level that is a string',
      text: 'hello\n',
      lines: [
        '1:1 expected the cluster spec, a mapping with nodes: (clusterprobe init --example writes a commented one); got "hello"',
      ],
    },
    {
      name: 'nodes given as names',
      text: 'nodes:\n  - hv01\n  - hv02\n',
      lines: [
        '2:5 nodes[0]: expected a node mapping such as { name: hv01 }; got "hv01"',
        '3:5 nodes[1]: expected a node mapping such as { name: hv01 }; got "hv02"',
      ],
    },
    {
      name: 'cluster as a string',
      text: 'cluster: C1\nnodes: [{name: hv01}]\n',
      lines: [/^1:10 cluster: expected a mapping \(key: value\) with name, windowsVersion, role; got "C1"$/],
    },
    {
      name: 'activeDirectory as a list',
      text: 'nodes: [{name: hv01}]\nactiveDirectory: [a]\n',
      lines: [/^2:18 activeDirectory: expected a mapping \(key: value\) with domain, .*; got a list$/],
    },
    {
      name: 'tls and bind as strings',
      text: 'nodes: [{name: hv01}]\nactiveDirectory:\n  domain: lab.example.test\n  tls: yes\n  bind: admin\n',
      lines: [
        /^4:8 activeDirectory\.tls: expected a mapping \(key: value\) with caFile, .*; got "yes"$/,
        /^5:9 activeDirectory\.bind: expected a mapping \(key: value\) with user, password; got "admin"$/,
      ],
    },
    {
      name: 'storage.iscsi entries as strings',
      text: 'nodes: [{name: hv01}]\nstorage:\n  iscsi:\n    - 10.0.0.20\n',
      lines: [
        /^4:7 storage\.iscsi\[0\]: expected a mapping \(key: value\) with portal, targets, luns, chap; got "10\.0\.0\.20"$/,
      ],
    },
    {
      name: 'a list given as a string',
      text: 'nodes: [{name: hv01}]\nstorage:\n  iscsi: 10.0.0.20\n',
      lines: [/^3:10 storage\.iscsi: expected a list; got "10\.0\.0\.20"$/],
    },
    {
      name: 'a boolean and a number given as strings',
      text: 'nodes: [{name: hv01}]\nstorage:\n  allowInUse: maybe\nwindows:\n  timeoutSeconds: soon\n',
      lines: [
        '3:15 storage.allowInUse: expected true or false; got "maybe"',
        '5:19 windows.timeoutSeconds: expected a number; got "soon"',
      ],
    },
    {
      name: 'a number out of range',
      text: 'nodes: [{name: hv01}]\nwindows:\n  timeoutSeconds: 1\n',
      lines: ['3:19 windows.timeoutSeconds: expected a number of at least 5; got 1'],
    },
    {
      name: 'an empty string',
      text: 'nodes: [{name: hv01}]\nwindows:\n  powershell: ""\n',
      lines: ['3:15 windows.powershell: expected a non-empty string; got ""'],
    },
    {
      name: 'nodes as a mapping',
      text: 'nodes:\n  name: hv01\n',
      lines: [/^2:3 nodes: expected a list of nodes \(nodes: \[\{ name: hv01 \}\]\); got a mapping/],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const path = await file(`spec.${c.ext ?? 'yaml'}`, c.text);
      const lines = await linesOf(() => loadSpec(path));
      assert.equal(lines.length, c.lines.length, lines.join('\n'));
      c.lines.forEach((want, i) =>
        typeof want === 'string' ? assert.equal(lines[i], want) : assert.match(lines[i]!, want),
      );
      for (const l of lines) assert.ok(!/Invalid input|Too small|Too big|received/.test(l), l);
    });
  }

  it('a waivers file that is a string, and waivers: given a string in the spec', async () => {
    const path = await file('w.yaml', 'storage.pr.preempt\n');
    assert.deepEqual(await linesOf(() => loadWaivers(path)), [
      '1:1 expected a list of waivers, e.g. - { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }; got "storage.pr.preempt"',
    ]);
    const spec = await file('s.yaml', 'nodes: [{name: hv01}]\nwaivers: storage.pr.preempt\n');
    assert.deepEqual(await linesOf(() => loadSpec(spec)), [
      '2:10 waivers: expected a list of waivers, e.g. - { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }; got "storage.pr.preempt"',
    ]);
  });

  it('a waiver that is not a mapping', async () => {
    const path = await file('w.yaml', '- storage.pr.preempt\n');
    assert.deepEqual(await linesOf(() => loadWaivers(path)), [
      '1:3 [0]: expected a waiver mapping such as { check: storage.pr.preempt, justification: CHG-1234, expires: 2026-12-31 }; got "storage.pr.preempt"',
    ]);
  });
});

describe('a JSON syntax error is one line, in JSON terms', () => {
  it('a missing comma', async () => {
    const path = await file('c.json', '{"cluster": {"name": "C1"}, "nodes": [{"name": "hv01"} {"name": "hv02"}]}\n');
    assert.deepEqual(await linesOf(() => loadSpec(path)), [
      "1:56 expected ',' or ']' after an array element (JSON syntax)",
    ]);
  });
  it('a missing closing brace', async () => {
    const path = await file('c.json', '{"nodes": [{"name": "hv01"}]\n');
    const lines = await linesOf(() => loadSpec(path));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /\(JSON syntax\)$/);
  });
  it('a duplicate key is still placed (JSON.parse would accept it)', async () => {
    const path = await file('c.json', '{"nodes": [{"name": "hv01"}], "nodes": []}\n');
    assert.deepEqual(await linesOf(() => loadSpec(path)), [
      '1:31 duplicate key: each key may appear once in a mapping (JSON syntax)',
    ]);
  });
});

describe('an env: or file: reference that is malformed is not called a literal secret', () => {
  const cases = [
    {
      value: '"env:MY-VAR"',
      says: 'env:MY-VAR: an environment variable name is letters, digits and _ (not starting with a digit)',
    },
    {
      value: '"env:1PASS"',
      says: 'env:1PASS: an environment variable name is letters, digits and _ (not starting with a digit)',
    },
    {
      value: '"env:Pa$$w0rd!"',
      says: 'env:NAME: an environment variable name is letters, digits and _ (not starting with a digit)',
    },
    {
      value: '"env:"',
      says: 'env: needs the name of an environment variable after it (env:NAME, letters, digits and _)',
    },
    { value: '"file:"', says: 'file: needs the path of the file holding the secret after it (file:PATH)' },
  ];
  for (const c of cases) {
    it(c.value, async () => {
      const path = await file(
        's.yaml',
        `nodes: [{name: hv01}]\nactiveDirectory:\n  domain: lab.example.test\n  bind: { user: a@lab.example.test, password: ${c.value} }\n`,
      );
      const lines = await linesOf(() => loadSpec(path));
      assert.equal(lines.length, 1);
      assert.ok(lines[0]!.endsWith(c.says), lines[0]);
      assert.ok(!lines[0]!.includes('literal secret'), lines[0]);
      assert.ok(!lines[0]!.includes('Pa$$'), lines[0]);
    });
  }
  it('a literal secret is still refused unquoted', async () => {
    const path = await file(
      's.yaml',
      'nodes: [{name: hv01}]\nactiveDirectory:\n  domain: lab.example.test\n  bind: { user: a@lab.example.test, password: "Hunter 2 env:X" }\n',
    );
    const [line] = await linesOf(() => loadSpec(path));
    assert.match(line!, /a literal secret is not accepted here/);
    assert.ok(!line!.includes('Hunter'));
  });
});

describe('--waivers with the wrong kind of file', () => {
  it('an empty file', async () => {
    const path = await file('empty.yaml', '');
    const [line] = await linesOf(() => loadWaivers(path));
    assert.match(line!, /^\S*empty\.yaml is empty: a waivers file is a list of waivers \(see README\)/);
  });
  it('a file of comments only', async () => {
    const path = await file('empty.yaml', '# nothing yet\n');
    const [line] = await linesOf(() => loadWaivers(path));
    assert.match(line!, /empty\.yaml is empty: a waivers file is a list of waivers/);
  });
  it('a cluster spec', async () => {
    const path = await file('cluster.yaml', 'cluster: {name: C1}\nnodes: [{name: hv01}]\nwaivers: []\n');
    const [line] = await linesOf(() => loadWaivers(path));
    assert.match(
      line!,
      /cluster\.yaml is a cluster spec, not a waivers file: its waivers: go in the spec itself, or pass it with --config$/,
    );
  });
  it('a report', async () => {
    const path = await file('run.json', '{"schemaVersion": 1, "findings": []}');
    const [line] = await linesOf(() => loadWaivers(path));
    assert.match(line!, /run\.json is a clusterprobe report \(validate --json\), not a waivers file/);
  });
});

describe('an IP address as a node name', () => {
  for (const value of ['10.0.0.5', 'fd00::5']) {
    it(value, async () => {
      const path = await file('ip.yaml', `nodes:\n  - name: "${value}"\n`);
      const [line] = await linesOf(() => loadSpec(path));
      assert.ok(
        line!.endsWith(
          `got the IP address ${value}: an IP address is not a host name: put it in fqdn (to reach the node by address) and give the host name in name`,
        ),
        line,
      );
    });
  }
});
