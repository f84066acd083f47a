/**
 * Issue 11's spec observations through the built CLI, as a user meets them: an empty spec, a
 * 10 MB spec, a portal on port 99999 and a quoted node name each stop `validate` with exit 2 and
 * one placed line, before any check runs; a one-node spec runs and warns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempFiles } from '../helpers/cli.ts';

const bigSpec = () =>
  `nodes:\n${Array.from({ length: 200_000 }, (_, i) => `  - name: hv${i}\n    fqdn: hv${i}.lab.example.test\n`).join('')}`;

test('validate refuses, with exit 2 and the place, what it used to run (observations 2, 3, 4)', async () => {
  const dir = await tempFiles({
    'empty.yaml': '',
    'braces.json': '{}',
    'port.yaml': 'nodes:\n  - name: hv01\nstorage:\n  iscsi:\n    - portal: 10.0.0.20:99999\n',
    'quote.yaml': "nodes:\n  - name: hv01\n  - name: hv02'x\n",
    'big.yaml': bigSpec(),
  });
  const cases = [
    {
      file: 'empty.yaml',
      says: /^clusterprobe: empty\.yaml:1:1 nodes: expected a list of at least one node .*got nothing \(the key is missing\)$/,
    },
    { file: 'braces.json', says: /^clusterprobe: braces\.json:1:1 nodes: expected a list of at least one node/ },
    {
      file: 'port.yaml',
      says: /^clusterprobe: port\.yaml:5:15 storage\.iscsi\[0\]\.portal: expected a port 1\.\.65535 after the colon .*got "99999"$/,
    },
    {
      file: 'quote.yaml',
      says: /^clusterprobe: quote\.yaml:3:11 nodes\[1\]\.name: expected a host name \(letters, digits and hyphens, e\.g\. hv01\); got a quote \('\) in "hv02'x"$/,
    },
    {
      file: 'big.yaml',
      says: /^clusterprobe: big\.yaml is 10\.\d MiB \(\d+ bytes\); a config file may be at most 1 MiB \(1048576 bytes\), so it was not read/,
    },
  ];
  for (const c of cases) {
    const started = performance.now();
    const r = await runCli(['validate', '--config', c.file, '--json'], { cwd: dir });
    assert.equal(r.code, 2, `${c.file}: ${r.stderr}`);
    assert.match(r.stderr.trim(), c.says);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    const json = JSON.parse(r.stdout) as { findings?: unknown; error?: { exitCode: number } };
    assert.equal(json.findings, undefined, 'no report: no check ran');
    assert.equal(json.error?.exitCode, 2);
    assert.ok(!r.stderr.includes('    at '), 'no stack');
    assert.ok(performance.now() - started < 15_000, `${c.file}: refused at once`);
  }
});

test('a one-node spec runs, and config.nodes.count warns', async () => {
  const dir = await tempFiles({ 'one.yaml': 'cluster:\n  windowsVersion: 2022\nnodes:\n  - name: hv01\n' });
  const r = await runCli(['validate', '--config', join(dir, 'one.yaml'), '--only', 'config.*', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    findings: { checkId: string; status: string; messageId: string; subject?: string }[];
  };
  const count = report.findings.find((f) => f.checkId === 'config.nodes.count');
  assert.deepEqual([count?.status, count?.messageId, count?.subject], ['warn', 'oneNode', 'hv01']);
});
