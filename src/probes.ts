/**
 * The built-in probes. Each produces one named fact. The spec itself is a fact, so that
 * config-only checks are pure functions of facts like every other check and re-run offline from
 * a facts file. It holds secret references (env:NAME), never secret values.
 */
import type { Probe } from './engine/contract.ts';
import type { ClusterSpec } from './config/schema.ts';
import { storageProbe } from './storage/probe.ts';
import { prProbe } from './storage/pr-probe.ts';
import { adProbe } from './ad/probe.ts';
import { nodesProbe } from './windows/node-probe.ts';

export const specProbe: Probe<ClusterSpec> = {
  fact: 'spec',
  description: 'The cluster spec as loaded and validated (secret references only).',
  collect: (ctx) => ctx.spec,
};

export const builtinProbes: readonly Probe[] = [
  specProbe,
  storageProbe as Probe,
  prProbe as Probe,
  adProbe as Probe,
  nodesProbe as Probe,
];
