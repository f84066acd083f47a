/**
 * The config loader, fuzzed (issue 11): 5,000 random and mutated specs (see fuzz-cases.ts), each
 * either a loaded spec that keeps the rules or a refusal with a place; never another exception.
 * bench/config-fuzz.ts runs the same property 100,000 times and more. A failure prints
 * fast-check's seed and path: rerun with them to get the same case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkCase, fuzzCases } from './fuzz-cases.ts';
import { parseAndValidate } from '../../src/config/load.ts';
import { ClusterSpecSchema } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/engine/errors.ts';

test('5,000 random and mutated specs: loaded, or refused with file:line:col; never an internal error', () => {
  const seen = { loaded: 0, refused: 0 };
  fc.assert(
    fc.property(fuzzCases(), (c) => {
      seen[checkCase(c)] += 1;
    }),
    { numRuns: 5000 },
  );
  // Both outcomes are exercised: mutations of valid specs often stay valid.
  assert.ok(seen.loaded > 100, `only ${seen.loaded} cases loaded`);
  assert.ok(seen.refused > 1000, `only ${seen.refused} cases refused`);
});

test('the cases the fuzzer found, and the shapes that crash YAML loaders, are refused with a place', () => {
  const cases = [
    { name: 'an alias to no anchor', text: 'nodes: *nope\n', place: [1, 8], says: /alias \*nope names no anchor/ },
    {
      name: 'an alias bomb',
      text: 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nnodes: [{name: hv01}]\n',
      place: [2, 8],
      says: /aliases expand too far/,
    },
    {
      name: '40 nested lists',
      text: `nodes: ${'['.repeat(40)}${']'.repeat(40)}\n`,
      place: [1, 40],
      says: /nested more than 32 levels deep/,
    },
    {
      name: '100,000 open brackets',
      text: '['.repeat(100_000),
      place: [1, 33],
      says: /nested more than 32 levels deep/,
    },
    {
      name: '3,000 nested maps',
      text: Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
      says: /./,
    },
    // A megabyte of each of these cost the parser 2 to 60 s; they are refused before it runs.
    { name: 'a megabyte of [', text: '['.repeat(1 << 20), place: [1, 33], says: /nested more than 32 levels deep/ },
    {
      name: 'a megabyte of - - -',
      text: '- '.repeat(1 << 19),
      place: [1, 65],
      says: /nested more than 32 levels deep/,
    },
    {
      name: 'a megabyte of ? ? ?',
      text: '? '.repeat(1 << 19),
      place: [1, 65],
      says: /nested more than 32 levels deep/,
    },
    {
      name: 'a megabyte of anchors',
      text: '&a '.repeat(349_000),
      place: [1, 3001],
      says: /more than 1000 anchors, aliases and tags/,
    },
    {
      name: 'a megabyte of aliases',
      text: `x: &a 1\ny: [${'*a, '.repeat(262_000)}]`,
      place: [2, 4001],
      says: /more than 1000 anchors, aliases and tags/,
    },
    {
      name: 'a megabyte of keys',
      text: 'k: v\n'.repeat(262_000),
      place: [25001, 2],
      says: /more than 50000 lines and punctuation marks/,
    },
    { name: 'a megabyte of newlines', text: '\n'.repeat(1 << 20), place: [50001, 1], says: /more than 50000 lines/ },
    {
      name: 'a megabyte of quotes',
      text: '"'.repeat(1 << 20),
      place: [1, 50002],
      says: /more than 50000 lines and punctuation marks/,
    },
    {
      name: '80,000 nodes in flow style',
      text: `nodes: [${'{name: hv01},'.repeat(80_000)}]`,
      says: /more than 50000 lines and punctuation marks/,
    },
    {
      name: 'a second document',
      text: 'nodes: [{name: hv01}]\n---\nnodes: []\n',
      place: [2, 1],
      says: /a second document starts here/,
    },
  ];
  for (const c of cases) {
    const started = performance.now();
    assert.equal(checkCase({ text: c.text, ext: 'yaml' }), 'refused', c.name);
    assert.ok(
      performance.now() - started < 3000,
      `${c.name}: refused in ${Math.round(performance.now() - started)} ms`,
    );
    assert.throws(
      () => parseAndValidate(c.text, '/fuzz/cluster.yaml', ClusterSpecSchema),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const p = err.problems[0]!;
        if (c.place) assert.deepEqual([p.line, p.column], c.place, `${c.name}: ${p.message}`);
        assert.match(p.message, c.says, c.name);
        assert.ok(err.problems.length <= 21, `${c.name}: ${err.problems.length} problems, not a flood`);
        return true;
      },
    );
  }
});
