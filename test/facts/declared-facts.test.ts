/**
 * Every built-in check reads exactly the facts it declares in meta.facts: this file runs every
 * check's table tests (test/checks/**) in this process, through test/helpers/run-check.ts, which
 * records the fact names each check asks ctx.fact for; the last test compares them with
 * meta.facts. Every declared fact must be read in at least one case, and nothing undeclared ever
 * (the runner refuses an undeclared read too, so the check's own tests fail as well; a declared
 * fact that is never read is caught here only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinChecks } from '../../checks/index.ts';
import { factReads } from '../helpers/run-check.ts';

const CHECK_TESTS = fileURLToPath(new URL('../checks', import.meta.url));

const files = (await readdir(CHECK_TESTS, { recursive: true })).filter((f) => f.endsWith('.test.ts')).sort();
// Their tests register here and run before the one below, which is registered last.
for (const file of files) await import(pathToFileURL(join(CHECK_TESTS, file)).href);

test('every built-in check read exactly the facts it declares, over all its table tests', () => {
  const problems: string[] = [];
  for (const { meta } of builtinChecks) {
    const record = factReads.get(meta.id);
    if (!record || record.runs === 0) {
      problems.push(`${meta.id}: no test under test/checks ran it through runCheck`);
      continue;
    }
    const undeclared = [...record.read].filter((f) => !meta.facts.includes(f));
    const unread = meta.facts.filter((f) => !record.read.has(f));
    if (undeclared.length > 0)
      problems.push(`${meta.id}: read ${undeclared.map((f) => `"${f}"`).join(', ')}, not declared in meta.facts`);
    if (unread.length > 0)
      problems.push(
        `${meta.id}: declares ${unread.map((f) => `"${f}"`).join(', ')} in meta.facts, never read in ${record.runs} runs`,
      );
  }
  assert.deepEqual(problems, []);
  assert.ok(files.length >= builtinChecks.length, `${files.length} check test files`);
});
