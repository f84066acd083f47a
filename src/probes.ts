/**
 * The built-in probes. Each produces one named fact. The spec itself is a fact, so that
 * config-only checks are pure functions of facts like every other check and re-run offline from
 * a facts file. It holds secret references (env:NAME), never secret values.
 */
import type { Probe } from './engine/contract.ts';
import type { FactName, FactProbe } from './facts/index.ts';
import { storageProbe } from './storage/probe.ts';
import { prProbe } from './storage/pr-probe.ts';
import { adProbe } from './ad/probe.ts';
import { nodesProbe } from './windows/node-probe.ts';

export const specProbe: FactProbe<'spec'> = {
  fact: 'spec',
  description: 'The cluster spec as loaded and validated (secret references only).',
  collect: (ctx) => ctx.spec,
};

/** One probe per built-in fact, each typed by its entry of FactMap (a fact without a probe does not compile). */
const BY_FACT: { readonly [K in FactName]: FactProbe<K> } = {
  spec: specProbe,
  'storage.inventory': storageProbe,
  'storage.pr': prProbe,
  'ad.directory': adProbe,
  'nodes.facts': nodesProbe,
};

export const builtinProbes: readonly Probe[] = Object.values(BY_FACT) as Probe[];
