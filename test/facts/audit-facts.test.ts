/**
 * `npm run checks:audit` compares each built-in check's meta.facts with the facts its source
 * passes to ctx.fact (scripts/audit-checks.ts), both ways, on a tree laid out like the repo.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { auditChecks, factReads, type AuditResult } from '../../scripts/audit-checks.ts';

const SCRIPT = join(fileURLToPath(new URL('../..', import.meta.url)), 'scripts', 'audit-checks.ts');

function checkSource(id: string, facts: readonly string[], body: string, imports = ''): string {
  const meta = {
    id,
    title: 'A fake check',
    area: 'config',
    description: 'd',
    why: 'w',
    docs: `docs/checks/${id}.md`,
    severity: 'fail',
    facts,
    messages: { ok: 'fine' },
  };
  return `${imports}const check = {\n  meta: ${JSON.stringify(meta)},\n  async run(ctx) {\n${body}\n    ctx.report({ status: 'pass', messageId: 'ok' });\n  },\n};\n\nexport default check;\n`;
}

const CHECKS: Record<string, string> = {
  'config/right.ts': checkSource(
    'config.right',
    ['spec', 'storage.pr'],
    "    await ctx.fact('spec');\n    await ctx.fact<unknown>(`storage.pr`);",
  ),
  'config/undeclared.ts': checkSource(
    'config.undeclared',
    ['ad.directory'],
    "    await ctx.fact('ad.directory');\n    await ctx.fact('spec');",
  ),
  'config/unread.ts': checkSource('config.unread', ['spec', 'nodes.facts'], "    await ctx.fact('spec');"),
  'config/computed.ts': checkSource('config.computed', ['spec'], "    const name = 'spec';\n    await ctx.fact(name);"),
  'config/through.ts': checkSource(
    'config.through',
    ['nodes.facts'],
    '    await gate(ctx);',
    "import { gate } from './lib/gate.ts';\n",
  ),
  'config/lib/gate.ts':
    "export async function gate(ctx) {\n  await ctx.fact('nodes.facts');\n  return ctx.fact('spec');\n}\n",
};

describe('checks:audit compares meta.facts with what the source reads', () => {
  let tree: string;
  let result: AuditResult;

  before(async () => {
    tree = await realpath(await mkdtemp(join(tmpdir(), 'clusterprobe-audit-facts-')));
    const ids = Object.keys(CHECKS).filter((p) => !p.includes('/lib/'));
    const files: Record<string, string> = {
      'package.json': '{ "type": "module" }\n',
      'checks/index.ts':
        ids.map((p, i) => `import c${i} from './${p}';`).join('\n') +
        `\nexport const builtinChecks = [${ids.map((_, i) => `c${i}`).join(', ')}];\n`,
    };
    for (const [path, text] of Object.entries(CHECKS)) {
      files[`checks/${path}`] = text;
      const id = /"id":"([^"]+)"/.exec(text)?.[1];
      if (id) {
        files[`docs/checks/${id}.md`] = `# ${id}\n\n\`ok\`: fine.\n`;
        files[`test/checks/${path.replace(/\.ts$/, '.test.ts')}`] = '// present\n';
      }
    }
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), text);
    }
    const index = (await import(pathToFileURL(join(tree, 'checks/index.ts')).href)) as { builtinChecks: unknown[] };
    result = await auditChecks({ root: tree, checks: index.builtinChecks });
  });
  after(async () => {
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  const problemsOf = (id: string) => result.problems.filter((p) => p.startsWith(`${id} `));

  it('a check that reads exactly what it declares passes (a template literal counts as a literal)', () =>
    assert.deepEqual(problemsOf('config.right'), []));
  it('an undeclared read is named with its line and the fix', () =>
    assert.deepEqual(problemsOf('config.undeclared'), [
      'config.undeclared (checks/config/undeclared.ts):5: reads fact "spec", which meta.facts does not declare (declared: "ad.directory"); add it to meta.facts',
    ]));
  it('a declared fact never read is named', () =>
    assert.deepEqual(problemsOf('config.unread'), [
      `config.unread (checks/config/unread.ts): declares fact "nodes.facts" in meta.facts, but its source never reads it (ctx.fact('nodes.facts')); remove it from meta.facts`,
    ]));
  it('a computed fact name is a problem: the audit cannot check it', () =>
    assert.match(
      problemsOf('config.computed').join('\n'),
      /:5: reads a fact by a computed name \(ctx\.fact\(name\)\)/,
    ));
  it('a read in a module under checks/ that the check imports counts as the check reading it', () =>
    assert.deepEqual(problemsOf('config.through'), [
      'config.through (checks/config/through.ts) (through checks/config/lib/gate.ts:3): reads fact "spec", which meta.facts does not declare (declared: "nodes.facts"); add it to meta.facts',
    ]));
  it('the command exits 1 listing them', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--root', tree], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^ {2}- config\.undeclared .*reads fact "spec"/m);
  });
});

describe('factReads', () => {
  it('finds ctx.fact calls with and without a type argument, and nothing else', () => {
    const reads = factReads(
      [
        "const a = await ctx.fact<AdFacts | null>('ad.directory');",
        'const b = await context.fact("spec");',
        "const c = facts.get('storage.pr'); // not a fact read",
        "// ctx.fact('in a comment') is not code",
      ].join('\n'),
    );
    assert.deepEqual(
      reads.map((r) => [r.line, r.name]),
      [
        [1, 'ad.directory'],
        [2, 'spec'],
      ],
    );
  });
});
