/**
 * A plugin check is held to the same fact contract as a built-in one, through the CLI: reading a
 * fact it does not declare (the spec included) is an internal error naming the check and the
 * fact, and validate exits 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const plugin = (facts: readonly string[]) => `export default {
  meta: {
    id: 'site.spec.reader',
    title: 'Reads the spec',
    area: 'site',
    description: 'd',
    why: 'w',
    docs: 'https://wiki.example.test/site',
    severity: 'fail',
    facts: ${JSON.stringify(facts)},
    messages: { ok: '{count} nodes' },
  },
  async run(ctx) {
    const spec = await ctx.fact('spec');
    ctx.report({ status: 'pass', messageId: 'ok', data: { count: spec.nodes.length } });
  },
};
`;

test('a plugin check reading the spec without declaring it: error naming the check and the fact, exit 1', async () => {
  const dir = await tempFiles({
    'cluster.yaml': 'nodes:\n  - name: hv01\n  - name: hv02\n',
    'undeclared.js': plugin([]),
    'declared.js': plugin(['spec']),
  });
  const run = (file: string) =>
    runCli([
      'validate',
      '--config',
      join(dir, 'cluster.yaml'),
      '--plugin',
      join(dir, file),
      '--only',
      'site.*',
      '--json',
    ]);
  const bad = await run('undeclared.js');
  assert.equal(bad.code, 1, bad.stderr);
  const [finding] = (JSON.parse(bad.stdout) as Report).findings;
  assert.deepEqual(
    [finding?.checkId, finding?.status, finding?.messageId, finding?.data.fact],
    ['site.spec.reader', 'error', 'engineUndeclaredFact', 'spec'],
  );
  assert.match(
    finding!.message,
    /^check site\.spec\.reader read fact "spec" that it does not declare in meta\.facts; add it to meta\.facts \(a bug in plugin /,
  );
  const good = await run('declared.js');
  assert.equal(good.code, 0, good.stderr);
  assert.equal((JSON.parse(good.stdout) as Report).findings[0]?.message, '2 nodes');
});
