/**
 * Refuses a built-in check that is not in the index, has no doc page or test, reports a
 * `messageId` it does not declare, breaks the check contract, whose doc page leaves out one of
 * its messages, or whose `meta.facts` differs from the facts its source passes to `ctx.fact`
 * (an undeclared read, or a declared fact never read). Run by `npm run checks:audit`:
 *
 *     sh scripts/with-node.sh node scripts/audit-checks.ts [--root DIR]
 *
 * `--root` audits another tree laid out like this one (its `checks/index.ts` exporting
 * `builtinChecks`). Exit 0 with `checks audit: N checks, OK`, or 1 with the problems listed.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { contractProblems, type Check } from '../src/engine/contract.ts';

export interface AuditInput {
  /** The repository root: `checks/`, `docs/` and `test/` are looked up under it. */
  readonly root: string;
  /** The index, in order: `builtinChecks` from `checks/index.ts`. */
  readonly checks: readonly unknown[];
}

export interface AuditResult {
  readonly checkCount: number;
  /** Each makes the audit fail. */
  readonly problems: readonly string[];
  /** Reported, never failing: messages declared but not seen reported. */
  readonly warnings: readonly string[];
}

interface CheckFile {
  /** Repo-relative, with forward slashes. */
  readonly path: string;
  readonly exported: unknown;
}

interface MessageIdUse {
  readonly line: number;
  /** The literal id, or undefined when the id is computed (`messageId: first.kind`). */
  readonly id: string | undefined;
  readonly expression: string;
}

/** A `<receiver>.fact(<name>)` call in a check's source. */
export interface FactRead {
  /** Repo-relative path of the file the call is in (the check's, or a module under checks/ it imports). */
  readonly file: string;
  readonly line: number;
  /** The literal fact name, or undefined when the name is computed. */
  readonly name: string | undefined;
  readonly expression: string;
}

const INDEX = 'checks/index.ts';

export async function auditChecks({ root, checks }: AuditInput): Promise<AuditResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const files = await checkFiles(root, problems);

  for (const file of files) {
    if (!checks.includes(file.exported))
      problems.push(`${file.path}: has a default export but is not listed in builtinChecks of ${INDEX}`);
  }

  const seenIds = new Map<string, number>();
  for (const [index, value] of checks.entries()) {
    const contract = contractProblems(value);
    const check = value as Partial<Check> | null;
    const id = typeof check?.meta?.id === 'string' ? check.meta.id : undefined;
    const label = id ?? `builtinChecks[${index}]`;
    if (checks.indexOf(value) !== index) {
      problems.push(`${label}: listed more than once in builtinChecks`);
      continue;
    }
    for (const p of contract) problems.push(`${label}: breaks the check contract: ${p}`);
    if (id !== undefined) {
      const earlier = seenIds.get(id);
      if (earlier !== undefined) problems.push(`${label}: id also used by builtinChecks[${earlier}]`);
      else seenIds.set(id, index);
    }
    if (contract.length > 0 || id === undefined || check?.meta === undefined) continue;
    const meta = check.meta;
    const declared = Object.keys(meta.messages);

    const docs = await auditDocs(root, id, meta.docs, declared);
    problems.push(...docs.map((p) => `${label}: ${p}`));

    const file = files.find((f) => f.exported === value);
    if (!file) {
      problems.push(
        `${label}: is not the default export of any file under checks/, so its source and test cannot be found`,
      );
      continue;
    }
    const where = `${label} (${file.path})`;
    const test = testPathFor(file.path);
    if (!existsSync(join(root, test))) problems.push(`${where}: no test file at ${test}`);

    const source = await readFile(join(root, file.path), 'utf8');
    const uses = messageIdUses(source);
    // A gate or fix in checks/<area>/lib/ reports for the check that calls it: its literal ids count as reported.
    const libUses = (await Promise.all(libImports(root, file.path, source).map((p) => readFile(p, 'utf8')))).flatMap(
      messageIdUses,
    );
    const literal = new Set([...uses, ...libUses].flatMap((u) => (u.id === undefined ? [] : [u.id])));
    for (const u of uses) {
      if (u.id !== undefined && !Object.hasOwn(meta.messages, u.id)) {
        problems.push(
          `${where}:${u.line}: reports messageId "${u.id}", which meta.messages does not declare (declared: ${declared.join(', ')})`,
        );
      }
    }
    problems.push(...(await auditFacts(root, file.path, meta.facts)).map((p) => `${where}${p}`));

    const unreported = declared.filter((m) => !literal.has(m));
    if (unreported.length > 0) {
      const computed = uses.filter((u) => u.id === undefined).map((u) => `line ${u.line}: ${u.expression}`);
      warnings.push(
        `${where}: declares ${unreported.map((m) => `"${m}"`).join(', ')} but reports none of them as a messageId literal` +
          (computed.length > 0
            ? `; it also computes message ids (${computed.join('; ')}), which this audit cannot check`
            : ''),
      );
    }
  }
  return { checkCount: checks.length, problems, warnings };
}

/** `checks/config/netbios-name.ts` -> `test/checks/config/netbios-name.test.ts`. */
export function testPathFor(checkPath: string): string {
  const dir = dirname(checkPath).split('/').slice(1).join('/');
  return ['test', 'checks', ...(dir ? [dir] : []), `${basename(checkPath, '.ts')}.test.ts`].join('/');
}

/** The files under checks/<area>/lib/ that a check's source imports. */
export function libImports(root: string, checkPath: string, source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(/from\s+'(\.{1,2}\/(?:[^']*\/)?lib\/[^']+\.ts)'/g)) {
    const path = resolve(root, dirname(checkPath), match[1]!);
    if (existsSync(path)) out.push(path);
  }
  return out;
}

/** Every `messageId: <expression>` in a check's source, literal or computed, with its line. */
export function messageIdUses(source: string): MessageIdUse[] {
  const uses: MessageIdUse[] = [];
  for (const match of source.matchAll(/\bmessageId\s*:\s*([^,}\n]+)/g)) {
    const expression = match[1]!.trim();
    const literal = /^(['"])([^'"\\]*)\1$/.exec(expression) ?? /^`([^`$\\]*)`$/.exec(expression);
    const line = source.slice(0, match.index).split('\n').length;
    uses.push({ line, id: literal ? literal[literal.length - 1] : undefined, expression });
  }
  return uses;
}

/**
 * The difference, both ways, between the facts a check declares and the facts its source reads:
 * the names passed to `.fact(...)` in its file and in the modules under checks/ it imports (a
 * helper the check calls reads on its behalf). A computed name cannot be checked, so it is a
 * problem too.
 */
async function auditFacts(root: string, checkPath: string, declared: readonly string[]): Promise<string[]> {
  const reads: FactRead[] = [];
  for (const path of await checkModules(root, checkPath))
    reads.push(...factReads(await readFile(join(root, path), 'utf8'), path));
  const problems: string[] = [];
  const where = (r: FactRead) => (r.file === checkPath ? `:${r.line}` : ` (through ${r.file}:${r.line})`);
  for (const r of reads) {
    if (r.name === undefined)
      problems.push(
        `${where(r)}: reads a fact by a computed name (${r.expression}), which this audit cannot check; pass the fact name as a string literal`,
      );
    else if (!declared.includes(r.name))
      problems.push(
        `${where(r)}: reads fact "${r.name}", which meta.facts does not declare (declared: ${declared.map((f) => `"${f}"`).join(', ') || 'none'}); add it to meta.facts`,
      );
  }
  const read = new Set(reads.flatMap((r) => (r.name === undefined ? [] : [r.name])));
  for (const fact of declared)
    if (!read.has(fact))
      problems.push(
        `: declares fact "${fact}" in meta.facts, but its source never reads it (ctx.fact('${fact}')); remove it from meta.facts`,
      );
  return problems;
}

/** The check's file and every module under checks/ it imports, directly or not (relative imports only). */
async function checkModules(root: string, checkPath: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [checkPath];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const source = ts.createSourceFile(path, await readFile(join(root, path), 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const spec = statement.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(path), spec.text))
        .split(sep)
        .join('/');
      if (target.startsWith('checks/') && target !== INDEX && existsSync(join(root, target))) queue.push(target);
    }
  }
  return [...seen].sort((a, b) => (a === checkPath ? -1 : b === checkPath ? 1 : a.localeCompare(b)));
}

/** Every `<x>.fact(<name>)` call in a source file (`ctx.fact<T>('storage.pr')`), parsed with TypeScript. */
export function factReads(source: string, file = 'check.ts'): FactRead[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const reads: FactRead[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'fact'
    ) {
      const arg = node.arguments[0];
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      const name = arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) ? arg.text : undefined;
      reads.push({ file, line, name, expression: node.getText(sf) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return reads;
}

async function auditDocs(root: string, id: string, docs: string, messageIds: readonly string[]): Promise<string[]> {
  const expected = `docs/checks/${id}.md`;
  const problems: string[] = [];
  if (docs !== expected) problems.push(`meta.docs is "${docs}", expected "${expected}"`);
  const page = join(root, docs);
  if (/^[a-z]+:\/\//i.test(docs) || !existsSync(page)) {
    problems.push(`no doc page at ${docs}`);
    return problems;
  }
  const text = await readFile(page, 'utf8');
  const missing = messageIds.filter((m) => !text.includes(`\`${m}\``));
  if (missing.length > 0)
    problems.push(
      `doc page ${docs} does not mention messageId ${missing.map((m) => `\`${m}\``).join(', ')} (write each in backticks)`,
    );
  return problems;
}

async function checkFiles(root: string, problems: string[]): Promise<CheckFile[]> {
  const dir = join(root, 'checks');
  const entries = existsSync(dir) ? await readdir(dir, { recursive: true, withFileTypes: true }) : [];
  const paths = entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => p !== INDEX)
    .sort();
  const files: CheckFile[] = [];
  for (const path of paths) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(join(root, path)).href)) as Record<string, unknown>;
    } catch (error) {
      problems.push(`${path}: cannot be imported: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (module.default !== undefined) files.push({ path, exported: module.default });
  }
  return files;
}

export function formatAudit(result: AuditResult): string {
  const lines = result.warnings.map((w) => `warning: ${w}`);
  if (result.problems.length === 0) lines.push(`checks audit: ${result.checkCount} checks, OK`);
  else
    lines.push(
      `checks audit: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${result.checkCount} checks:`,
      ...result.problems.map((p) => `  - ${p}`),
    );
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const at = argv.indexOf('--root');
  const root = at >= 0 && argv[at + 1] ? resolve(argv[at + 1]!) : fileURLToPath(new URL('..', import.meta.url));
  const index = (await import(pathToFileURL(join(root, INDEX)).href)) as { builtinChecks?: unknown };
  if (!Array.isArray(index.builtinChecks)) {
    console.error(`checks audit: ${INDEX} under ${root} does not export builtinChecks as a list`);
    return 1;
  }
  const result = await auditChecks({ root, checks: index.builtinChecks });
  const text = formatAudit(result);
  if (result.problems.length > 0) console.error(text);
  else console.log(text);
  return result.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
