/**
 * `validate --html/--baseline` and `clusterprobe report` through the built CLI: the HTML, JUnit
 * and terminal views of one saved Report, the diff against an earlier run in the JSON, the
 * terminal and the HTML, and clear errors for files that are not reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLValidator } from 'fast-xml-parser';
import { ROOT, runCli, tempDir, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const ONLY = ['--only', 'config.*'];
// A waiver keeps its subject when it expires: its finding goes pass -> warn (regressed) and back (fixed).
const waiver = (expires: string) => [
  'waivers:',
  `  - { check: ad.ou.placement, subject: hv03, justification: "moving next week, ticket 4711", expires: ${expires} }`,
];
const BROKEN = [
  'nodes:',
  '  - { name: HYPERVHOSTNODE-01A }',
  '  - { name: HYPERVHOSTNODE-01B }',
  '  - { name: hv03 }',
  ...waiver('2020-01-31'),
].join('\n');
const FIXED = [
  'nodes:',
  '  - { name: HYPERVHOST-01A }',
  '  - { name: HYPERVHOSTNODE-01B }',
  '  - { name: hv03 }',
  ...waiver('2099-01-31'),
].join('\n');

async function validReport(): Promise<(r: unknown) => boolean> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(await readFile(join(ROOT, 'schema/report.schema.json'), 'utf8')) as object);
}

test('validate --html writes one self-contained file; report --from renders the same Report to HTML, JUnit and the terminal', async () => {
  const dir = await tempFiles({ 'c.yaml': BROKEN });
  const html = join(dir, 'run.html');
  const run = await runCli(['validate', '-c', join(dir, 'c.yaml'), ...ONLY, '--json', '--html', html]);
  assert.equal(run.code, 3, run.stderr);
  await writeFile(join(dir, 'run.json'), run.stdout);
  const page = await readFile(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /HYPERVHOSTNODE-/);
  assert.ok(!/\b(src|href)="(https?:)?\/\//.test(page), 'no external resource');

  const again = join(dir, 'again.html');
  const junit = join(dir, 'again.xml');
  const r = await runCli(['report', '--from', join(dir, 'run.json'), '--html', again, '--junit', junit], {
    env: { NO_COLOR: '1' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(again, 'utf8'), page, 'the same Report gives the same HTML, byte for byte');
  assert.equal(XMLValidator.validate(await readFile(junit, 'utf8')), true);
  assert.match(r.stdout, /FAIL\s+config\.netbios\.collision · HYPERVHOSTNODE-/);
  assert.match(r.stdout, /^FAIL \d+ failed/m);
});

test('--baseline: regressed, fixed, new and unchanged in the JSON diff section, the terminal and the HTML', async () => {
  const dir = await tempFiles({ 'broken.yaml': BROKEN, 'fixed.yaml': FIXED });
  const before = await runCli(['validate', '-c', join(dir, 'fixed.yaml'), ...ONLY, '--json']);
  await writeFile(join(dir, 'before.json'), before.stdout);
  // From the fixed names back to the broken ones: the collision comes back, a rename is undone.
  const html = join(dir, 'now.html');
  const now = await runCli([
    'validate',
    '-c',
    join(dir, 'broken.yaml'),
    ...ONLY,
    '--json',
    '--baseline',
    join(dir, 'before.json'),
    '--html',
    html,
  ]);
  assert.equal(now.code, 3, now.stderr);
  const report = JSON.parse(now.stdout) as Report;
  assert.ok((await validReport())(report), 'the report with its diff fits the schema');
  const diff = report.diff!;
  const by = (change: string) =>
    diff.entries
      .filter((e) => e.change === change)
      .map((e) => `${e.checkId}|${e.subject ?? ''}`)
      .sort();
  assert.deepEqual(by('new'), ['config.netbios.collision|HYPERVHOSTNODE-', 'config.netbios.name|HYPERVHOSTNODE-01A']);
  // The collision check passed without a subject before and fails for HYPERVHOSTNODE- now: by
  // check id and subject that is a pass gone and a failure new.
  assert.deepEqual(by('gone'), ['config.netbios.collision|', 'config.netbios.name|HYPERVHOST-01A']);
  assert.ok(by('unchanged').includes('config.netbios.name|hv03'));
  assert.equal(diff.baseline.startedAt, (JSON.parse(before.stdout) as Report).startedAt);
  assert.deepEqual(by('regressed'), ['config.waivers.expiry|ad.ou.placement hv03']);
  assert.equal(diff.counts.new, 2);
  for (const e of diff.entries)
    if (e.finding !== undefined) assert.equal(report.findings[e.finding]!.checkId, e.checkId);
  assert.match(await readFile(html, 'utf8'), /<section class="diff" id="since">/);

  // The other way round, through `report`: what the rename fixed, in the terminal.
  await writeFile(join(dir, 'broken.json'), now.stdout);
  const fixedRun = await runCli(['validate', '-c', join(dir, 'fixed.yaml'), ...ONLY, '--json']);
  await writeFile(join(dir, 'fixed.json'), fixedRun.stdout);
  const r = await runCli(['report', '--from', join(dir, 'fixed.json'), '--baseline', join(dir, 'broken.json')], {
    env: { NO_COLOR: '1' },
  });
  assert.equal(r.code, 0, r.stderr);
  // At 100 columns (a pipe) the counts go under the title.
  assert.match(r.stdout, /SINCE THE RUN OF .*:\s+0 regressed, 2 new, 1 fixed, 0 changed, 3 unchanged, 2 gone/);
  assert.match(r.stdout, /FIXED\s+config\.waivers\.expiry · ad\.ou\.placement hv03 \(warn -> pass\)/);
  assert.match(r.stdout, /GONE\s+config\.netbios\.collision · HYPERVHOSTNODE- \(fail\)/);
  const json = await runCli([
    'report',
    '--from',
    join(dir, 'fixed.json'),
    '--baseline',
    join(dir, 'broken.json'),
    '--json',
  ]);
  const fixedDiff = (JSON.parse(json.stdout) as Report).diff!;
  assert.deepEqual(
    fixedDiff.entries
      .filter((e) => e.change === 'gone')
      .map((e) => e.checkId)
      .sort(),
    ['config.netbios.collision', 'config.netbios.name'],
  );
});

test('a file that is not a report: exit 2 naming the file, the place and what was expected; nothing written', async () => {
  const dir = await tempFiles({
    'notes.json': '{"name": "hv01", "owner": "ops"}',
    'broken.json': '{"schemaVersion": 1,\n  "findings": [}',
  });
  const out = join(dir, 'out.html');
  const notReport = await runCli(['report', '--from', join(dir, 'notes.json'), '--html', out]);
  assert.equal(notReport.code, 2, notReport.stderr);
  assert.match(
    notReport.stderr,
    /notes\.json is not a clusterprobe report: no schemaVersion\/findings; save one with: clusterprobe validate --config cluster\.yaml --json > run\.json/,
  );
  assert.equal(notReport.stderr.trim().split('\n').length, 1, 'one line, not one per missing key');
  const syntax = await runCli(['report', '--from', join(dir, 'broken.json'), '--html', out]);
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /broken\.json:2:\d+ /);
  assert.ok(!syntax.stderr.includes('    at '), 'no stack trace');
  const missing = await runCli(['report', '--from', join(await tempDir(), 'nope.json')]);
  assert.equal(missing.code, 2);
  const baseline = await runCli([
    'validate',
    '-c',
    join(ROOT, 'examples/review-lab.yaml'),
    '--only',
    'config.*',
    '--baseline',
    join(dir, 'broken.json'),
    '--json',
  ]);
  assert.equal(baseline.code, 2, 'a bad baseline stops validate before any check runs');
  assert.match(baseline.stderr, /broken\.json:2:\d+ /);
  await assert.rejects(readFile(out), /ENOENT/);
});

test('report --from a spec, a facts file or a waivers file: one line saying what the file is and which command takes it (observation 5)', async () => {
  const dir = await tempFiles({
    'cluster.yaml': await readFile(join(ROOT, 'examples/review-lab.yaml'), 'utf8'),
    'spec.json': '{"nodes": [{"name": "hv01"}]}',
    'waivers.yaml': '- check: ad.ou.placement\n  justification: moving next week, ticket 4711\n  expires: 2099-01-31\n',
    'empty.json': '',
    // A document that quotes a report's JSON (this project's README does) is not a broken report.
    'notes.md':
      '# Reports\n\nA report starts like this:\n\n    { "schemaVersion": 1, "findings": [] }\n\nand: more text, with: colons\n',
  });
  const facts = join(dir, 'facts.json');
  const saved = await runCli(['validate', '-c', join(dir, 'cluster.yaml'), ...ONLY, '--save-facts', facts, '--json']);
  assert.equal(saved.code, 3, saved.stderr);
  const cases = [
    {
      file: 'cluster.yaml',
      says: /^clusterprobe: cluster\.yaml is a cluster spec, not a report: run clusterprobe validate --config cluster\.yaml$/,
    },
    {
      file: 'spec.json',
      says: /^clusterprobe: spec\.json is a cluster spec, not a report: run clusterprobe validate --config spec\.json$/,
    },
    {
      file: 'facts.json',
      says: /^clusterprobe: facts\.json is a facts file \(written by --save-facts\), not a report: re-evaluate it with clusterprobe validate --from-facts facts\.json/,
    },
    {
      file: 'waivers.yaml',
      says: /^clusterprobe: waivers\.yaml is a waivers file, not a report: pass it to clusterprobe validate --waivers waivers\.yaml$/,
    },
    { file: 'empty.json', says: /^clusterprobe: empty\.json is not a clusterprobe report: it is empty; save one with/ },
    { file: 'notes.md', says: /^clusterprobe: notes\.md is not a clusterprobe report: .*; save one with/ },
  ];
  for (const c of cases) {
    const r = await runCli(['report', '--from', c.file], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), c.says);
    assert.equal(
      r.stderr.trim().split('\n').length,
      1,
      `${c.file}: one line, not the report schema's complaints:\n${r.stderr}`,
    );
    assert.equal(r.stdout, '');
  }
  const asBaseline = await runCli(['validate', '-c', 'cluster.yaml', ...ONLY, '--baseline', 'cluster.yaml'], {
    cwd: dir,
  });
  assert.equal(asBaseline.code, 2);
  assert.match(
    asBaseline.stderr.trim(),
    /^clusterprobe: cluster\.yaml is a cluster spec, not a report: .*--baseline takes a report saved earlier with: clusterprobe validate --config cluster\.yaml --json > previous\.json$/,
  );
});

test('a file a flag names that is not there: one line naming it, exit 2 (not the parser\'s "Parsing --from / No file found")', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  await writeFile(spec, BROKEN);
  const missing = join(dir, 'nope.json');
  const cases: [string[], RegExp][] = [
    [['report', '--from', missing], /^clusterprobe: cannot read report .*nope\.json: no such file\n$/],
    [['validate', '--from-facts', missing], /^clusterprobe: cannot read facts file .*nope\.json: no such file\n$/],
    [
      ['validate', '-c', spec, ...ONLY, '--waivers', missing],
      /^clusterprobe: cannot read waivers file .*nope\.json: no such file\n$/,
    ],
    [
      ['validate', '-c', spec, ...ONLY, '--baseline', missing],
      /^clusterprobe: cannot read baseline report .*nope\.json: no such file\n$/,
    ],
    [
      ['validate', '-c', join(dir, 'cluster-typo.yaml')],
      /^clusterprobe: cannot read config file .*cluster-typo\.yaml: no such file; clusterprobe init writes a spec by asking, clusterprobe init --example --output FILE the commented example\n$/,
    ],
  ];
  for (const [args, expected] of cases) {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expected, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});
