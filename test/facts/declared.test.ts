/**
 * Every built-in check declares in meta.facts each fact its source reads (`checks explain` and
 * the progress view show the declaration). A static reading of the sources: the runtime
 * enforcement lives in the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinChecks } from '../../checks/index.ts';
import { ROOT } from '../helpers/cli.ts';

test('each built-in check declares the facts its source reads', async () => {
  const dir = join(ROOT, 'checks');
  const reads = new Map<string, Set<string>>();
  for (const area of await readdir(dir, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const file of await readdir(join(dir, area.name))) {
      if (!file.endsWith('.ts')) continue;
      const source = await readFile(join(dir, area.name, file), 'utf8');
      const id = /\bid: '([^']+)'/.exec(source)?.[1];
      if (id) reads.set(id, new Set([...source.matchAll(/ctx\.fact\('([^']+)'\)/g)].map((m) => m[1]!)));
    }
  }
  const undeclared = builtinChecks.flatMap((c) =>
    [...(reads.get(c.meta.id) ?? [])].filter((f) => !c.meta.facts.includes(f)).map((f) => `${c.meta.id} reads ${f}`),
  );
  assert.deepEqual(undeclared, []);
  assert.ok(reads.size >= builtinChecks.length - 1, 'the sources of the checks were found');
});
