import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { auditChecks, messageIdUses, testPathFor, type AuditResult } from '../../scripts/audit-checks.ts';
import { builtinChecks } from '../../checks/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'audit-checks.ts');

function checkSource(id: string, docs: string, messages: Record<string, string>, reported: readonly string[]): string {
  const meta = {
    id,
    title: 'A fake check',
    area: 'config',
    description: 'd',
    why: 'w',
    docs,
    severity: 'fail',
    facts: [],
    messages,
  };
  const reports = reported.map((m) => `    ctx.report({ status: 'fail', messageId: '${m}' });`).join('\n');
  return `const check = {\n  meta: ${JSON.stringify(meta)},\n  run(ctx) {\n${reports}\n  },\n};\n\nexport default check;\n`;
}

/** A tree laid out like the repo: checks/, docs/checks/, test/checks/, with a broken check in every way. */
const FILES: Record<string, string> = {
  'package.json': '{ "type": "module" }\n',
  'checks/config/fake.ts': checkSource(
    'config.fake',
    'docs/checks/config.fake.md',
    { ok: 'fine', neverReported: 'unused' },
    ['ok', 'undeclared'],
  ),
  'checks/config/documented.ts': checkSource(
    'config.documented',
    'docs/config.documented.md',
    { ok: 'fine', other: 'other' },
    ['ok', 'other'],
  ),
  'checks/config/orphan.ts': checkSource('config.orphan', 'docs/checks/config.orphan.md', { ok: 'fine' }, ['ok']),
  'checks/config/helper.ts': 'export const helper = 1;\n',
  'checks/index.ts':
    "import fake from './config/fake.ts';\nimport documented from './config/documented.ts';\n" +
    "export const builtinChecks = [fake, documented, { meta: { id: 'config.broken' }, run: () => {} }];\n",
  'docs/config.documented.md': '# config.documented\n\n`ok`: fine. The other message is not named here.\n',
  'test/checks/config/documented.test.ts': '// present\n',
};

describe('auditChecks', () => {
  let tree: string;
  let result: AuditResult;

  before(async () => {
    tree = await realpath(await mkdtemp(join(tmpdir(), 'clusterprobe-audit-')));
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), text);
    }
    const index = (await import(pathToFileURL(join(tree, 'checks/index.ts')).href)) as { builtinChecks: unknown[] };
    result = await auditChecks({ root: tree, checks: index.builtinChecks });
  });
  after(async () => {
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  const problem = (pattern: RegExp) => {
    assert.ok(
      result.problems.some((p) => pattern.test(p)),
      `expected a problem matching ${pattern}, got:\n${result.problems.join('\n')}`,
    );
  };

  it('reports a messageId the check does not declare', () =>
    problem(
      /^config\.fake \(checks\/config\/fake\.ts\):\d+: reports messageId "undeclared", which meta\.messages does not declare/,
    ));
  it('reports a missing doc page', () => problem(/^config\.fake: no doc page at docs\/checks\/config\.fake\.md$/));
  it('reports a missing test file at the mirrored path', () =>
    problem(/^config\.fake \(checks\/config\/fake\.ts\): no test file at test\/checks\/config\/fake\.test\.ts$/));
  it('reports a check file with a default export missing from the index', () =>
    problem(/^checks\/config\/orphan\.ts: has a default export but is not listed in builtinChecks/));
  it('reports meta.docs that is not docs/checks/<id>.md', () =>
    problem(
      /^config\.documented: meta\.docs is "docs\/config\.documented\.md", expected "docs\/checks\/config\.documented\.md"$/,
    ));
  it('reports a doc page that leaves out a messageId', () =>
    problem(/^config\.documented: doc page docs\/config\.documented\.md does not mention messageId `other`/));
  it('reports a listed object that breaks the check contract', () =>
    problem(/^config\.broken: breaks the check contract: meta\.title/));

  it('warns, without failing, about a declared message never reported', () => {
    assert.ok(
      result.warnings.some((w) => /^config\.fake .*"neverReported"/.test(w)),
      result.warnings.join('\n'),
    );
    assert.ok(!result.problems.some((p) => p.includes('"neverReported"')), 'an unreported message is not a problem');
  });

  it('does not complain about what is right', () => {
    assert.ok(!result.problems.some((p) => p.includes('helper.ts')), 'a file without a default export is not a check');
    assert.ok(!result.problems.some((p) => p.includes('documented.test.ts')), 'the documented check has its test');
    assert.ok(
      !result.problems.some((p) => /config\.documented: no doc page/.test(p)),
      'its page exists where meta.docs says',
    );
    assert.ok(!result.problems.some((p) => p.includes('`ok`')), '`ok` is mentioned');
  });

  it('exits 1 from the command line and lists the problems', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--root', tree], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^checks audit: \d+ problems in 3 checks:$/m);
    assert.match(run.stderr, /^ {2}- config\.fake .*"undeclared"/m);
    assert.doesNotMatch(run.stdout, /OK/);
  });
});

describe('the real repository', () => {
  it('passes the audit', async () => {
    const result = await auditChecks({ root: ROOT, checks: builtinChecks });
    assert.deepEqual(result.problems, []);
    assert.equal(result.checkCount, builtinChecks.length);
  });

  it('prints "checks audit: N checks, OK" and exits 0', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', cwd: ROOT });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^checks audit: ${builtinChecks.length} checks, OK$`, 'm'));
  });
});

describe('helpers', () => {
  it('mirrors a check path under test/checks', () => {
    assert.equal(testPathFor('checks/config/netbios-name.ts'), 'test/checks/config/netbios-name.test.ts');
    assert.equal(testPathFor('checks/storage/pr/preempt.ts'), 'test/checks/storage/pr/preempt.test.ts');
  });

  it('finds literal and computed message ids with their lines', () => {
    const uses = messageIdUses(
      "ctx.report({ status: 'pass', messageId: 'valid' });\nctx.report({ messageId: first.kind, status: 'fail' });\nreport({ messageId: \"dq\" })",
    );
    assert.deepEqual(uses, [
      { line: 1, id: 'valid', expression: "'valid'" },
      { line: 2, id: undefined, expression: 'first.kind' },
      { line: 3, id: 'dq', expression: '"dq"' },
    ]);
  });
});
