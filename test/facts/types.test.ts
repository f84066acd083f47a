/**
 * The typed fact contract. Most of this file is proved by `npm run typecheck` (tsconfig includes
 * test/): each `@ts-expect-error` below must meet an error, or the typecheck fails ("unused
 * directive"). The runtime test shows a typed read through the real engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Check, CheckContext, ProbeContext } from '../../src/engine/contract.ts';
import type {
  AdFacts,
  ClusterSpec,
  FactMap,
  FactName,
  NodesFact,
  PrFacts,
  StorageFacts,
} from '../../src/facts/index.ts';
import { builtinProbes } from '../../src/probes.ts';
import { runCheck } from '../helpers/run-check.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T): T => value;

// Compile-time only: never called.
async function compileTime(ctx: CheckContext, probe: ProbeContext): Promise<void> {
  // Each built-in name gives its type, with no type argument and no cast.
  const _spec = await ctx.fact('spec');
  assertType<Equal<typeof _spec, ClusterSpec>>(true);
  assertType<Equal<typeof _spec, FactMap['spec']>>(true);
  const _storage = await ctx.fact('storage.inventory');
  assertType<Equal<typeof _storage, StorageFacts>>(true);
  const _pr = await ctx.fact('storage.pr');
  assertType<Equal<typeof _pr, PrFacts>>(true);
  const _nodes = await ctx.fact('nodes.facts');
  assertType<Equal<typeof _nodes, NodesFact>>(true);
  // ad.directory is null when the spec has no activeDirectory: the reader must say what then.
  const ad = await ctx.fact('ad.directory');
  assertType<Equal<typeof ad, AdFacts | null>>(true);
  // @ts-expect-error -- possibly null
  void ad.domain;
  // The same for probes that build on another fact.
  const _inventory = await probe.fact('storage.inventory');
  assertType<Equal<typeof _inventory, StorageFacts>>(true);
  // Every key of FactMap is a FactName.
  assertType<Equal<FactName, 'spec' | 'storage.inventory' | 'storage.pr' | 'ad.directory' | 'nodes.facts'>>(true);

  // A misspelt built-in name does not compile (it is in a built-in fact's area).
  // @ts-expect-error -- storage.prr is no fact
  await ctx.fact('storage.prr');
  // @ts-expect-error -- ad.directry is no fact
  await ctx.fact('ad.directry');
  // @ts-expect-error -- spec.nodes is no fact: read the spec
  await probe.fact('spec.nodes');
  // A type argument (the old cast) does not compile.
  // @ts-expect-error -- no cast: the name gives the type
  await ctx.fact<StorageFacts>('storage.inventory');
  // Using a fact as another fact's type does not compile.
  // @ts-expect-error -- storage.pr is not the inventory
  const wrong: StorageFacts = await ctx.fact('storage.pr');
  void wrong;

  // A plugin's fact is unknown: readable, not usable until narrowed.
  const plugin = await ctx.fact('site.counter');
  assertType<Equal<typeof plugin, unknown>>(true);
  // @ts-expect-error -- unknown until narrowed
  void plugin.n;
  // A name only known at run time is a plugin's too.
  const name: string = 'site.counter';
  const _runtime = await ctx.fact(name);
  assertType<Equal<typeof _runtime, unknown>>(true);
}
void compileTime;

test('a check reads its facts typed, through the real engine', async () => {
  const check: Check = {
    meta: {
      id: 'test.facts.typed',
      title: 't',
      area: 'test',
      description: 'd',
      why: 'w',
      docs: 'docs/x.md',
      severity: 'fail',
      facts: ['spec', 'storage.pr'],
      messages: { ok: '{nodes} nodes, {disks} disks' },
    },
    async run(ctx) {
      const spec = await ctx.fact('spec');
      const pr = await ctx.fact('storage.pr');
      ctx.report({ status: 'pass', messageId: 'ok', data: { nodes: spec.nodes.length, disks: pr.disks.length } });
    },
  };
  const found = await runCheck(check, {
    spec: { nodes: [{ name: 'hv01' }, { name: 'hv02' }] },
    'storage.pr': { run: '0badcafe', disks: [] },
  });
  assert.deepEqual(
    found.map((f) => f.message),
    ['2 nodes, 0 disks'],
  );
});

test('every built-in fact has exactly one probe (src/probes.ts is typed by FactMap)', () => {
  const names: FactName[] = ['spec', 'storage.inventory', 'storage.pr', 'ad.directory', 'nodes.facts'];
  assert.deepEqual(builtinProbes.map((p) => p.fact).sort(), [...names].sort());
});
