/**
 * `clusterprobe validate` end to end, through the built CLI in a child process: the acceptance
 * list of the foundation issue. Assertions are on exit codes, statuses, messageIds, data and
 * schema validity, not on wording.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ROOT, runCli, tempDir, tempFiles } from '../helpers/cli.ts';
import { nameProblems } from '../../src/netbios.ts';
import type { Report } from '../../src/engine/report.ts';

const REVIEW_LAB = 'examples/review-lab.yaml';
const BEHAVIOURS = join(ROOT, 'test/fixtures/plugins/behaviours.js');

async function reportSchemaValidator() {
  const schema = JSON.parse(await readFile(join(ROOT, 'schema/report.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  return ajv.compile(schema);
}

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

test('review lab: exit 3, both NetBIOS checks fail with the shared truncated name and a valid rename', async () => {
  const r = await runCli(['validate', '--config', REVIEW_LAB, '--json']);
  assert.equal(r.code, 3, r.stderr);
  const report = parseReport(r.stdout);
  const validate = await reportSchemaValidator();
  assert.ok(validate(report), JSON.stringify(validate.errors));

  const nameFails = report.findings.filter((f) => f.checkId === 'config.netbios.name' && f.status === 'fail');
  assert.deepEqual(nameFails.map((f) => f.subject).sort(), ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
  for (const f of nameFails) {
    assert.equal(f.messageId, 'tooLong');
    assert.equal(f.data.netbiosName, 'HYPERVHOSTNODE-');
    const command =
      f.remediation?.steps.flatMap((s) => s.commands ?? []).find((c) => c.shell === 'powershell')?.command ?? '';
    const suggested = /^Rename-Computer -NewName '([^']+)' /.exec(command)?.[1];
    assert.ok(suggested, `a Rename-Computer command in ${command}`);
    assert.deepEqual(nameProblems(suggested), []);
  }
  const suggestions = nameFails.map((f) => f.data.suggested);
  assert.notEqual(suggestions[0], suggestions[1]);

  const collision = report.findings.filter((f) => f.checkId === 'config.netbios.collision');
  assert.equal(collision.length, 1);
  assert.equal(collision[0]!.status, 'fail');
  assert.equal(collision[0]!.messageId, 'collision');
  assert.equal(collision[0]!.data.netbiosName, 'HYPERVHOSTNODE-');
  assert.deepEqual(collision[0]!.data.hosts, ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']);
  assert.equal(report.findings.filter((f) => f.area === 'config' && f.status === 'fail').length, 3);
  assert.equal(report.verdict, 'fail');
});

test('review lab: the terminal report shows the failures, the rename commands and a summary line', async () => {
  const r = await runCli(['validate', '--config', REVIEW_LAB, '--only', 'config.*'], { env: { NO_COLOR: '1' } });
  assert.equal(r.code, 3);
  assert.match(r.stdout, /HYPERVHOSTNODE-/);
  assert.match(r.stdout, /PS> Rename-Computer -NewName 'HYPERVHOSTN-01A' /);
  assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /^FAIL 3 failed, 0 warnings, 4 passed/);
});

test('--junit writes well-formed XML whose counts match the report', async () => {
  const dir = await tempDir();
  const junit = join(dir, 'out.xml');
  const r = await runCli(['validate', '--config', REVIEW_LAB, '--json', '--junit', junit]);
  assert.equal(r.code, 3);
  const report = parseReport(r.stdout);
  const xml = await readFile(junit, 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  try {
    execFileSync('xmllint', ['--noout', junit], { stdio: 'pipe' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // xmllint found the XML bad
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['testsuite', 'testcase'].includes(n),
  }).parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      errors: string;
      skipped: string;
      testsuite: { name: string; tests: string; testcase: { failure?: unknown }[] }[];
    };
  };
  assert.equal(Number(doc.testsuites.tests), report.findings.length);
  assert.equal(Number(doc.testsuites.failures), report.summary.fail);
  assert.equal(Number(doc.testsuites.errors), report.summary.error);
  assert.equal(Number(doc.testsuites.skipped), report.summary.skipped + report.summary.waived);
  const config = doc.testsuites.testsuite.find((s) => s.name === 'config')!;
  assert.equal(config.testcase.filter((c) => c.failure !== undefined).length, 3);
});

const CONFIG_ERRORS: {
  name: string;
  file: string;
  content: string;
  line: number;
  column: number;
  path: string;
  secret?: string;
}[] = [
  {
    name: 'type error',
    file: 'c.yaml',
    content: 'nodes:\n  - name: hv01\n  - name: 42\n',
    line: 3,
    column: 11,
    path: 'nodes[1].name',
  },
  {
    name: 'unknown key',
    file: 'c.yaml',
    content: 'cluster:\n  name: C1\n  nmae: C2\n',
    line: 3,
    column: 3,
    path: 'cluster.nmae',
  },
  {
    name: 'literal secret',
    file: 'c.yaml',
    content:
      'activeDirectory:\n  domain: lab.example.test\n  bind:\n    user: a@lab.example.test\n    password: Hunter2Literal\n',
    line: 5,
    column: 15,
    path: 'activeDirectory.bind.password',
    secret: 'Hunter2Literal',
  },
  {
    name: 'YAML syntax error',
    file: 'c.yaml',
    content: 'nodes:\n  - name: hv01\n    fqdn: [unclosed\n',
    line: 4,
    column: 1,
    path: '',
  },
  {
    name: 'JSON type error',
    file: 'c.json',
    content: '{\n  "nodes": [\n    { "name": true }\n  ]\n}\n',
    line: 3,
    column: 15,
    path: 'nodes[0].name',
  },
];

for (const c of CONFIG_ERRORS) {
  test(`config error (${c.name}): exit 2 with file:line:col and key path, no stack trace`, async () => {
    const dir = await tempFiles({ [c.file]: c.content });
    const r = await runCli(['validate', '--config', join(dir, c.file)], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    const expected = `${c.file}:${c.line}:${c.column} ${c.path ? `${c.path}: ` : ''}`;
    assert.ok(r.stderr.includes(expected), `expected "${expected}" in:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
    if (c.secret) assert.ok(!(r.stdout + r.stderr).includes(c.secret), 'the literal secret is not echoed');
  });
}

test('NO_COLOR=1 output has no ANSI escapes, FORCE_COLOR=1 has them; no spinner frames without a TTY', async () => {
  const plain = await runCli(['validate', '--config', REVIEW_LAB], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
  assert.equal(plain.code, 3);
  assert.ok(!/\x1b\[/.test(plain.stdout + plain.stderr), 'no escape sequences');
  const forced = await runCli(['validate', '--config', REVIEW_LAB], { env: { FORCE_COLOR: '1' } });
  assert.match(forced.stdout, /\x1b\[\d+m/);
  const spinnerFrames = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
  assert.doesNotMatch(plain.stderr, spinnerFrames);
  assert.match(plain.stderr, /config\.netbios\.name/, 'plain progress lines name the checks');
});

test('the example plugin loads and reports through the same contract', async () => {
  const dir = await tempFiles({
    'c.yaml':
      'activeDirectory: { domain: lab.example.test }\nnodes:\n  - { name: hv01, fqdn: hv01.lab.example.test }\n  - { name: hv02, fqdn: hv02.other.test }\n',
  });
  const r = await runCli([
    'validate',
    '--config',
    join(dir, 'c.yaml'),
    '--plugin',
    join(ROOT, 'examples/plugins/fqdn-in-domain.js'),
    '--only',
    'site.*',
    '--json',
  ]);
  assert.equal(r.code, 3, r.stderr);
  const findings = parseReport(r.stdout).findings;
  assert.deepEqual(
    findings.map((f) => [f.checkId, f.subject, f.status, f.messageId]),
    [
      ['site.fqdn.domain', 'hv01', 'pass', 'inside'],
      ['site.fqdn.domain', 'hv02', 'fail', 'outside'],
    ],
  );
});

test('plugins named in the spec resolve relative to the spec file', async () => {
  const dir = await tempFiles({ 'c.yaml': `plugins: [${JSON.stringify(BEHAVIOURS)}]\nnodes: [{ name: hv01 }]\n` });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'test.ok.pass', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseReport(r.stdout).findings[0]!.checkId, 'test.ok.pass');
});

for (const [fixture, names] of [
  ['missing-meta.js', /missing "meta"/],
  ['bad-run.js', /"run" must be a function/],
  ['does-not-exist.js', /cannot be loaded/],
] as const) {
  test(`a broken plugin (${fixture}) fails with exit 2 and a message naming it`, async () => {
    const r = await runCli([
      'validate',
      '--config',
      REVIEW_LAB,
      '--plugin',
      join(ROOT, 'test/fixtures/plugins', fixture),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`plugin "${join(ROOT, 'test/fixtures/plugins', fixture)}"`), r.stderr);
    assert.match(r.stderr, names);
  });
}

test('a check that throws, one that reports nothing, and one with an undeclared messageId record error naming the plugin as the culprit; the others still run; exit 1', async () => {
  const r = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--plugin',
    BEHAVIOURS,
    '--only',
    'test.bad.throws,test.bad.silent,test.bad.undeclared,test.ok.*',
    '--json',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const byId = new Map(parseReport(r.stdout).findings.map((f) => [f.checkId, f]));
  assert.equal(byId.get('test.bad.throws')?.status, 'error');
  assert.equal(byId.get('test.bad.throws')?.messageId, 'engineThrew');
  assert.equal(byId.get('test.bad.throws')?.data.error, 'boom from plugin');
  for (const id of ['test.bad.throws', 'test.bad.silent', 'test.bad.undeclared']) {
    assert.equal(byId.get(id)?.data.plugin, BEHAVIOURS, `${id} names the plugin`);
    assert.match(byId.get(id)?.remediation?.summary ?? '', /bug in plugin/);
  }
  assert.doesNotMatch(r.stdout, /\n\s+at |"stack"/, 'no stack without --debug');
  assert.equal(byId.get('test.bad.silent')?.messageId, 'engineNoFindings');
  assert.equal(byId.get('test.bad.undeclared')?.messageId, 'engineUndeclaredMessage');
  assert.equal(byId.get('test.ok.pass')?.status, 'pass');
  assert.equal(byId.get('test.ok.fail')?.status, 'fail');
  assert.equal(byId.get('test.ok.severity-warn')?.status, 'warn', 'severity warn downgrades a reported failure');
});

test('plugin probes whose exceptions escape (a timer throw, an unhandled rejection): error findings naming them, the other checks run, one stderr line each, no stack, exit 1, and no wait for what they left running', async () => {
  const escapes = join(ROOT, 'test/fixtures/plugins/escapes.js');
  const started = Date.now();
  const r = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--plugin',
    escapes,
    '--only',
    'test.escape.*,config.*',
    '--json',
  ]);
  assert.ok(Date.now() - started < 20_000, 'the probe still sleeping for a minute is abandoned');
  assert.equal(r.code, 1, r.stderr);
  const report = parseReport(r.stdout);
  const byId = new Map(report.findings.map((f) => [f.checkId, f]));
  assert.deepEqual(
    [byId.get('test.escape.timer')?.messageId, byId.get('test.escape.timer')?.data.origin],
    ['engineProbeEscaped', 'uncaughtException'],
  );
  assert.deepEqual(
    [byId.get('test.escape.rejection')?.messageId, byId.get('test.escape.rejection')?.data.origin],
    ['engineProbeEscaped', 'unhandledRejection'],
  );
  assert.equal(byId.get('test.escape.timer')?.data.plugin, escapes);
  assert.ok(
    report.findings.some((f) => f.checkId === 'config.netbios.name' && f.status === 'fail'),
    'the other checks ran',
  );
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('clusterprobe: an exception escaped'));
  assert.equal(lines.length, 2, r.stderr);
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at |"stack"/);
});

test('--timeout stops a hanging check with an error finding', async () => {
  const r = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--plugin',
    BEHAVIOURS,
    '--only',
    'test.bad.hangs,test.ok.pass',
    '--timeout',
    '1',
    '--json',
  ]);
  assert.equal(r.code, 3, r.stderr);
  const byId = new Map(parseReport(r.stdout).findings.map((f) => [f.checkId, f]));
  assert.equal(byId.get('test.bad.hangs')?.messageId, 'engineTimeout');
  assert.equal(byId.get('test.bad.hangs')?.status, 'error');
  assert.equal(byId.get('test.ok.pass')?.status, 'pass');
});

test('two checks needing the same fact cause one probe', async () => {
  const r = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--plugin',
    BEHAVIOURS,
    '--only',
    'test.memo.*',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const runs = parseReport(r.stdout).findings.map((f) => f.data.runs);
  assert.deepEqual(runs, [1, 1]);
});

test('waivers: an unexpired waiver turns failures into waived (exit 0); an expired one does not, and warns', async () => {
  const future = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
  const past = new Date(Date.now() - 3 * 86400_000).toISOString().slice(0, 10);
  const dir = await tempFiles({
    'active.yaml': `- check: "config.netbios.*"\n  justification: hosts are renamed in change 4711\n  expires: ${future}\n`,
    'expired.yaml': `waivers:\n  - check: "config.netbios.*"\n    justification: hosts are renamed in change 4711\n    expires: ${past}\n`,
  });
  const active = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--only',
    'config.*',
    '--waivers',
    join(dir, 'active.yaml'),
    '--json',
  ]);
  assert.equal(active.code, 0, active.stderr);
  const a = parseReport(active.stdout);
  assert.equal(a.summary.fail, 0);
  assert.equal(a.summary.waived, 3);
  const waived = a.findings.find((f) => f.status === 'waived')!;
  assert.equal(waived.waiver?.originalStatus, 'fail');
  assert.equal(waived.waiver?.expires, future);

  const expired = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--only',
    'config.*',
    '--waivers',
    join(dir, 'expired.yaml'),
    '--json',
  ]);
  assert.equal(expired.code, 3);
  const e = parseReport(expired.stdout);
  assert.equal(e.summary.waived, 0);
  assert.equal(e.summary.fail, 3);
  const warning = e.findings.find((f) => f.checkId === 'config.waivers.expiry')!;
  assert.equal(warning.status, 'warn');
  assert.equal(warning.messageId, 'expired');
});

test('--fail-on warn: warnings alone exit 4, and 0 without it', async () => {
  const dir = await tempFiles({ 'c.yaml': 'nodes:\n  - name: hv_01\n  - name: hv02\n' });
  const warnOnly = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--fail-on', 'warn', '--json']);
  assert.equal(warnOnly.code, 4, warnOnly.stderr);
  assert.equal(parseReport(warnOnly.stdout).findings.find((f) => f.subject === 'hv_01')?.messageId, 'dnsIncompatible');
  const lenient = await runCli(['validate', '--config', join(dir, 'c.yaml')]);
  assert.equal(lenient.code, 0);
});

test('--only/--skip select by glob; a glob matching nothing is a usage error', async () => {
  const only = await runCli(['validate', '--config', REVIEW_LAB, '--only', 'config.netbios.collision', '--json']);
  assert.deepEqual([...new Set(parseReport(only.stdout).findings.map((f) => f.checkId))], ['config.netbios.collision']);
  const skip = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--skip',
    'config.netbios.*,storage.*,ad.*,nodes.*',
    '--json',
  ]);
  assert.equal(skip.code, 0);
  assert.deepEqual(
    [...new Set(parseReport(skip.stdout).findings.map((f) => f.checkId))],
    ['config.waivers.expiry', 'config.nodes.count'],
  );
  const none = await runCli(['validate', '--config', REVIEW_LAB, '--only', 'stroage.*']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /stroage\.\*/);
});

test('--save-facts then --from-facts re-evaluates offline to the same findings', async () => {
  const dir = await tempDir();
  const facts = join(dir, 'facts.json');
  const live = await runCli(['validate', '--config', REVIEW_LAB, '--save-facts', facts, '--json']);
  assert.equal(live.code, 3);
  const offline = await runCli(['validate', '--from-facts', facts, '--json']);
  assert.equal(offline.code, 3, offline.stderr);
  const strip = (rep: Report) => rep.findings.map((f) => [f.checkId, f.subject, f.status, f.messageId, f.data]);
  assert.deepEqual(strip(parseReport(offline.stdout)), strip(parseReport(live.stdout)));
  assert.equal(parseReport(offline.stdout).offline, true);

  await writeFile(join(dir, 'bad.json'), '{"not":"facts"}');
  const bad = await runCli(['validate', '--from-facts', join(dir, 'bad.json')]);
  assert.equal(bad.code, 2);
});

test('a fact missing from a facts file skips the checks that need it', async () => {
  const dir = await tempDir();
  const facts = join(dir, 'facts.json');
  await writeFile(
    facts,
    JSON.stringify({
      schemaVersion: 1,
      tool: { name: 'clusterprobe', version: '0' },
      savedAt: 'x',
      facts: { spec: { nodes: [{ name: 'hv01' }] } },
    }),
  );
  const r = await runCli([
    'validate',
    '--from-facts',
    facts,
    '--plugin',
    BEHAVIOURS,
    '--only',
    'test.memo.one',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const f = parseReport(r.stdout).findings[0]!;
  assert.equal(f.status, 'skipped');
  assert.equal(f.messageId, 'engineFactUnavailable');
  assert.equal(f.data.fact, 'test.counter');
});

test('secrets never reach the terminal, JSON, JUnit, HTML, facts file or error output', async () => {
  const secret = 'S3cr3t-Value-9137';
  const dir = await tempDir();
  const junit = join(dir, 'out.xml');
  const html = join(dir, 'out.html');
  const facts = join(dir, 'facts.json');
  const common = ['validate', '--config', REVIEW_LAB, '--plugin', BEHAVIOURS, '--only', 'test.leak.secret'];
  const env = { CP_TEST_SECRET: secret, NO_COLOR: '1' };
  // --debug: the stack of the check's throw (its message holds the secret) is in the evidence too.
  const json = await runCli([...common, '--json', '--debug', '--junit', junit, '--html', html, '--save-facts', facts], {
    env,
  });
  const terminal = await runCli([...common, '--verbose', '--debug'], { env });
  assert.equal(json.code, 1, json.stderr);
  const leaked = parseReport(json.stdout).findings;
  assert.ok(
    leaked.some((f) => f.message.includes('[secret]')),
    'the plugin did try to leak it',
  );
  assert.ok(
    leaked.some((f) => typeof f.evidence?.stack === 'string' && f.evidence.stack.includes('failing with [secret]')),
    'the stack is there, scrubbed',
  );
  for (const [where, text] of [
    ['json stdout', json.stdout],
    ['json stderr', json.stderr],
    ['terminal stdout', terminal.stdout],
    ['terminal stderr', terminal.stderr],
    ['junit', await readFile(junit, 'utf8')],
    ['html', await readFile(html, 'utf8')],
    ['facts', await readFile(facts, 'utf8')],
  ] as const) {
    assert.ok(!text.includes(secret), `secret leaked into ${where}`);
  }
});

test('Ctrl-C cancels the run, awaits cleanup handlers, and exits 130', async () => {
  const dir = await tempDir();
  const marker = join(dir, 'marker');
  const r = await runCli(['validate', '--config', REVIEW_LAB, '--plugin', BEHAVIOURS, '--only', 'test.slow.cleanup'], {
    env: { CP_TEST_MARKER: marker, NO_COLOR: '1' },
    onSpawn: (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('test.slow.cleanup: running')) child.kill('SIGINT');
      });
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.equal(await readFile(marker, 'utf8'), 'cleaned');
  assert.match(r.stdout, /INTERRUPTED/);
});

test('Ctrl-C three times: the second says the cleanup is still running, the third abandons the cleanup and exits 130 at once', async () => {
  const dir = await tempDir();
  const marker = join(dir, 'marker');
  const started = Date.now();
  let sent = 0;
  let seen = '';
  const r = await runCli(['validate', '--config', REVIEW_LAB, '--plugin', BEHAVIOURS, '--only', 'test.slow.cleanup'], {
    // A cleanup that would take a minute: only the third Ctrl-C ends the run before then.
    env: { CP_TEST_MARKER: marker, CP_TEST_CLEANUP_MS: '60000', NO_COLOR: '1' },
    onSpawn: (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        // Each signal once the previous one has been answered.
        const answered = [/test\.slow\.cleanup: running/, /Interrupted: /, /Still cleaning up: /][sent];
        if (answered?.test(seen)) {
          sent += 1;
          child.kill('SIGINT');
        }
      });
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.equal(sent, 3, r.stderr);
  // The three answers, in order (progress lines come between them).
  const lines = [
    'Interrupted: stopping checks and running cleanup (Ctrl-C twice more to abandon cleanup).',
    // The cleanup being run is no longer pending: with none left to start, it is "finishing".
    'Still cleaning up: finishing. Ctrl-C again abandons it.',
    'Cleanup abandoned: what it would have removed may still be there; run clusterprobe again to clean up.',
  ].map((line) => r.stderr.split('\n').indexOf(line));
  assert.ok(lines[0]! >= 0 && lines[0]! < lines[1]! && lines[1]! < lines[2]!, r.stderr);
  assert.ok(Date.now() - started < 30_000, 'the cleanup was abandoned, not awaited');
  await assert.rejects(readFile(marker, 'utf8'), { code: 'ENOENT' }, 'the abandoned cleanup never finished');
});

test('usage errors: no config, unknown flag, bad --fail-on value all exit 2', async () => {
  assert.equal((await runCli(['validate'])).code, 2);
  assert.equal((await runCli(['validate', '--config', REVIEW_LAB, '--no-such-flag'])).code, 2);
  assert.equal((await runCli(['validate', '--config', REVIEW_LAB, '--fail-on', 'sometimes'])).code, 2);
  const missing = await runCli(['validate', '--config', 'no/such/file.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no\/such\/file\.yaml/);
});

test('--from-facts with --config evaluates the current spec against the saved facts', async () => {
  const dir = await tempFiles({
    'fixed.yaml': 'cluster: { name: HVCLUSTER01 }\nnodes:\n  - name: HYPERVHOST-01A\n  - name: HYPERVHOST-01B\n',
  });
  const facts = join(dir, 'facts.json');
  assert.equal(
    (await runCli(['validate', '--config', REVIEW_LAB, '--only', 'config.*', '--save-facts', facts])).code,
    3,
  );
  const r = await runCli([
    'validate',
    '--from-facts',
    facts,
    '--config',
    join(dir, 'fixed.yaml'),
    '--only',
    'config.*',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseReport(r.stdout).summary.fail, 0);
});

/**
 * Runs `{ validate ARGS STDERR; echo $? >rc; } | READER` in sh, as a user types `validate ... |
 * head -1`: the exit code read back is clusterprobe's, not the reader's.
 */
async function piped(args: readonly string[], stderr: string, reader: string): Promise<{ code: number; out: string }> {
  const rc = join(await tempDir(), 'rc');
  const command = `{ ${q2(process.execPath)} ${q2(join(ROOT, 'bin/run.js'))} validate ${args.map(q2).join(' ')} ${stderr}; echo $? >${q2(rc)}; } | ${reader}`;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
  return { code: Number((await readFile(rc, 'utf8')).trim()), out: r.stdout };
}

test("a closed stdout or stderr (validate | head -1, --json | head -c 10, 2>&1 | head -1) is not an internal error: the exit code is the run's, the run completes", async () => {
  // 60 long node names: about 130 kB of terminal output, more than a pipe holds, so writes do fail.
  const dir = await tempFiles({
    'big.yaml': `nodes:\n${Array.from({ length: 60 }, (_, i) => `  - name: HYPERVHOSTNODE-LONG-NAME-${i}\n`).join('')}`,
  });
  const spec = join(dir, 'big.yaml');
  const cases = [
    ['stdout closed', ['--verbose'], `2>${q2(join(dir, 'err1'))}`, 'head -1'],
    ['--json stdout closed', ['--json'], `2>${q2(join(dir, 'err2'))}`, 'head -c 10'],
    ['stdout and stderr closed', ['--verbose'], '2>&1', 'head -1'],
    ['stdout and stderr closed, --json', ['--json'], '2>&1', 'head -c 10'],
  ] as const;
  for (const [name, extra, stderr, reader] of cases) {
    const junit = join(dir, `${name.replace(/\W+/g, '-')}.xml`);
    const r = await piped(['--config', spec, '--only', 'config.*', '--junit', junit, ...extra], stderr, reader);
    assert.equal(r.code, 3, `${name}: the run's own exit code (3: names fail), not 1; output: ${r.out}`);
    assert.match(await readFile(junit, 'utf8'), /<testsuites/, `${name}: the run completed and wrote its JUnit file`);
  }
  for (const err of ['err1', 'err2']) {
    const text = await readFile(join(dir, err), 'utf8');
    assert.doesNotMatch(
      text,
      /EPIPE|internal error|\n\s+at /,
      `${err}: no error and no stack on stderr: ${text.slice(-500)}`,
    );
  }
});

function q2(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

test('an output file that cannot be written is the environment, not a bug: exit 2 naming the flag, before the run when the path is wrong, after it on a full disk', async () => {
  const dir = await tempDir();
  const missing = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--only',
    'config.*',
    '--junit',
    join(dir, 'no/such/dir/run.xml'),
  ]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /--junit .*no\/such\/dir\/run\.xml: the directory .* does not exist; create it \(mkdir -p '/,
  );
  assert.doesNotMatch(missing.stderr, /\[STARTED\]/, 'refused before any check ran');
  const directory = await runCli(['validate', '--config', REVIEW_LAB, '--only', 'config.*', '--html', dir]);
  assert.equal(directory.code, 2, directory.stderr);
  assert.match(directory.stderr, /--html .*: is a directory/);
  // /dev/full accepts the open and fails the write (ENOSPC): the run is over by then.
  const html = join(dir, 'still.html');
  const full = await runCli([
    'validate',
    '--config',
    REVIEW_LAB,
    '--only',
    'config.*',
    '--junit',
    '/dev/full',
    '--html',
    html,
  ]);
  assert.equal(full.code, 2, full.stderr);
  assert.match(full.stderr, /--junit \/dev\/full: cannot write it \(ENOSPC\); the run finished with verdict fail/);
  assert.doesNotMatch(full.stderr, /internal error|bug in clusterprobe/);
  assert.match(await readFile(html, 'utf8'), /<html/i, 'the other output is still written');
  assert.match(full.stdout, /config\.netbios\.name/, 'and the terminal report');
});
