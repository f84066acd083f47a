/**
 * `validate --from-facts FILE`: a facts file that was edited by hand, truncated or written by
 * another version is refused when it is loaded (exit 2, naming the file, the fact, the JSON path
 * and what was expected), never handed to a check to crash on. Through the built CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';

const SPEC = { nodes: [{ name: 'hv01' }, { name: 'hv02' }], storage: { iscsi: [], allowInUse: false } };

function disk(): Record<string, unknown> {
  return {
    portal: '192.0.2.10:3260',
    target: 'iqn.2026-01.test.lab:csv1',
    lun: 0,
    vendor: 'LIO-ORG',
    product: 'csv1',
    outcome: 'stepFailed',
    failedStep: 'registerA',
    steps: [
      {
        step: 'registerA',
        by: 'A',
        command: 'PERSISTENT RESERVE OUT REGISTER',
        ok: false,
        expected: 'GOOD',
        got: 'RESERVATION CONFLICT',
      },
    ],
    keysBefore: [],
    keysLeft: [],
    identities: { A: 'iqn.1991-05.com.microsoft:hv01', B: 'iqn.1991-05.com.microsoft:hv02' },
  };
}

async function factsFile(facts: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(await tempDir(), 'facts.json');
  await writeFile(
    file,
    JSON.stringify({
      schemaVersion: 1,
      tool: { name: 'clusterprobe', version: '0.1.0' },
      savedAt: '2026-06-15T12:00:00.000Z',
      facts,
      ...extra,
    }),
  );
  return file;
}

async function offline(file: string, json = true) {
  return runCli(['validate', '--from-facts', file, '--only', 'storage.pr.*', ...(json ? ['--json'] : [])]);
}

test('a well-formed storage.pr fact evaluates (the baseline the bad files below differ from)', async () => {
  const r = await offline(await factsFile({ spec: SPEC, 'storage.pr': { run: 'r1', disks: [disk()] } }));
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { checkId: string; status: string }[] };
  assert.ok(report.findings.some((f) => f.checkId === 'storage.pr.support' && f.status === 'fail'));
});

const BAD: readonly {
  readonly name: string;
  readonly facts: () => Record<string, unknown>;
  readonly fact: string;
  readonly path: string;
  readonly expected: RegExp;
}[] = [
  {
    name: 'a truncated disk (the file cut off after "lun")',
    facts: () => {
      const { portal, target, lun } = disk();
      return { spec: SPEC, 'storage.pr': { run: 'r1', disks: [{ portal, target, lun }] } };
    },
    fact: 'storage.pr',
    path: 'facts["storage.pr"].disks[0].outcome',
    expected: /expected one of "supported", .*got nothing \(the key is missing\)/,
  },
  {
    name: 'a step id of the wrong type',
    facts: () => {
      const d = disk();
      (d.steps as Record<string, unknown>[])[0]!.step = 3;
      return { spec: SPEC, 'storage.pr': { run: 'r1', disks: [d] } };
    },
    fact: 'storage.pr',
    path: 'facts["storage.pr"].disks[0].steps[0].step',
    expected: /steps\[0\]\.step: expected one of "readKeysBefore", "registerA".*, got 3\n/,
  },
  {
    name: 'a missing list',
    facts: () => ({ spec: SPEC, 'storage.pr': { run: 'r1' } }),
    fact: 'storage.pr',
    path: 'facts["storage.pr"].disks',
    expected: /expected a list, got nothing/,
  },
  {
    name: 'keysLeft as a string',
    facts: () => ({
      spec: SPEC,
      'storage.pr': { run: 'r1', disks: [{ ...disk(), outcome: 'keysLeft', keysLeft: 'ab' }] },
    }),
    fact: 'storage.pr',
    path: 'facts["storage.pr"].disks[0].keysLeft',
    expected: /expected a list, got "ab"/,
  },
  {
    name: 'a spec whose node list is a mapping',
    facts: () => ({ spec: { nodes: { name: 'hv01' } }, 'storage.pr': { run: 'r1', disks: [disk()] } }),
    fact: 'spec',
    path: 'facts.spec.nodes',
    expected: /expected/,
  },
];

for (const bad of BAD) {
  test(`--from-facts refuses ${bad.name}: exit 2 naming the file, the fact, the place and what was expected`, async () => {
    const file = await factsFile(bad.facts());
    const r = await offline(file, false);
    assert.equal(r.code, 2, `exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr}`);
    assert.equal(r.stdout, '', 'no report: nothing was evaluated');
    assert.ok(r.stderr.includes(file), r.stderr);
    assert.ok(r.stderr.includes(`"${bad.fact}"`), r.stderr);
    assert.ok(r.stderr.includes(bad.path), r.stderr);
    assert.match(r.stderr, bad.expected);
    assert.match(r.stderr, /--save-facts/);
    assert.doesNotMatch(r.stderr, /internal error|TypeError|at .*\.js:\d+/);
  });
}

test("a fact no built-in probe provides (a plugin's) passes as it is", async () => {
  const r = await offline(
    await factsFile({
      spec: SPEC,
      'storage.pr': { run: 'r1', disks: [disk()] },
      'acme.widgets': { anything: [1, 'x'] },
    }),
  );
  assert.equal(r.code, 3, r.stderr);
});

test('a spec without activeDirectory: the file --save-facts writes (ad.directory null) evaluates again', async () => {
  const dir = await tempDir();
  const spec = join(dir, 'cluster.yaml');
  const facts = join(dir, 'facts.json');
  await writeFile(spec, 'nodes:\n  - { name: hv01 }\n  - { name: hv02 }\n');
  const live = await runCli(['validate', '--config', spec, '--only', 'config.*,ad.*', '--save-facts', facts, '--json']);
  assert.equal(live.code, 0, live.stderr);
  const r = await runCli(['validate', '--from-facts', facts, '--only', 'config.*,ad.*', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const strip = (out: string) =>
    (JSON.parse(out) as { findings: { checkId: string; status: string; messageId: string }[] }).findings.map((f) => [
      f.checkId,
      f.status,
      f.messageId,
    ]);
  assert.deepEqual(strip(r.stdout), strip(live.stdout));
});

test('a facts file of another schemaVersion says which version this clusterprobe reads and what to do', async () => {
  const r = await offline(
    await factsFile({ spec: SPEC }, { schemaVersion: 2, tool: { name: 'clusterprobe', version: '9.0.0' } }),
    false,
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /schemaVersion 2/);
  assert.match(r.stderr, /9\.0\.0/);
  assert.match(r.stderr, /reads schemaVersion 1/);
  assert.match(r.stderr, /--save-facts/);
});
