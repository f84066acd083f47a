/**
 * The facts layer: the type of every fact clusterprobe's own probes produce, by name. Probes
 * (src/ad, src/storage, src/windows) import the types they fill from here, checks the types they
 * read; this layer imports nothing from either (engine <- facts <- probes; facts <- checks).
 *
 * `FactMap` is what makes `ctx.fact('storage.pr')` typed without a cast: src/engine/contract.ts
 * declares an empty `BuiltinFacts` interface and types `fact(name)` by it; this module fills it
 * in (declaration merging), so the engine never imports the facts layer. A fact a plugin's probe
 * provides has no entry: `ctx.fact('site.thing')` is `unknown` to the compiler.
 */
import type { AdFacts } from './ad.ts';
import type { NodesFact } from './nodes.ts';
import type { PrFacts } from './pr.ts';
import type { ClusterSpec } from './spec.ts';
import type { StorageFacts } from './storage.ts';
import { upgradePrFacts } from './pr.ts';
import { upgradeStorageFacts } from './storage.ts';
import type { Probe } from '../engine/contract.ts';

/** Each built-in fact's name and the type of its value (null: the spec does not configure the area). */
export interface FactMap {
  /** The cluster spec, as loaded and validated (src/config/schema.ts). */
  readonly spec: ClusterSpec;
  /** Portals, targets, logins and LUNs per node identity; local devices (src/storage/probe.ts). */
  readonly 'storage.inventory': StorageFacts;
  /** The persistent reservation sequence per candidate disk (src/storage/pr-probe.ts). */
  readonly 'storage.pr': PrFacts;
  /** The directory over LDAP or the ActiveDirectory module; null without activeDirectory (src/ad/probe.ts). */
  readonly 'ad.directory': AdFacts | null;
  /** Every node read over PowerShell remoting (src/windows/node-probe.ts). */
  readonly 'nodes.facts': NodesFact;
}

/** The name of a built-in fact. */
export type FactName = keyof FactMap;

/** The probe of a built-in fact: its name, and the type of what it collects, are the map's. */
export type FactProbe<K extends FactName> = Probe<FactMap[K]> & { readonly fact: K };

/** Every built-in fact name, for code that walks them (audits, schemas). */
export const FACT_NAMES = [
  'spec',
  'storage.inventory',
  'storage.pr',
  'ad.directory',
  'nodes.facts',
] as const satisfies readonly FactName[];

// Compile-time: FACT_NAMES lists every key of FactMap (a key missing from it is an error here).
type Missing = Exclude<FactName, (typeof FACT_NAMES)[number]>;
const everyFactListed: Missing extends never ? true : Missing = true;
void everyFactListed;

declare module '../engine/contract.ts' {
  // The engine's fact signatures are typed by this map (see BuiltinFacts there).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges FactMap into the engine's interface
  interface BuiltinFacts extends FactMap {}
}

/**
 * The facts of a file written by `--save-facts`, brought to the shapes this version's checks
 * read: older files lack fields added since, and where a field can be derived from what such a
 * file holds, it is derived here, once, before any check runs. Facts not named are unchanged.
 */
export function upgradeSavedFacts(facts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...facts };
  if (Object.hasOwn(out, 'storage.inventory')) out['storage.inventory'] = upgradeStorageFacts(out['storage.inventory']);
  if (Object.hasOwn(out, 'storage.pr')) out['storage.pr'] = upgradePrFacts(out['storage.pr']);
  return out;
}

export type * from './ad.ts';
export type * from './nodes.ts';
export type * from './storage.ts';
export { upgradeStorageFacts } from './storage.ts';
export type * from './windows.ts';
export type * from './spec.ts';
export {
  PR_EVIDENCE_STEP_IDS,
  PR_NOT_SENT_INTERRUPTED,
  PR_SEQUENCE_STEP_IDS,
  PR_STEP_IDS,
  upgradePrFacts,
  type PrDiskFact,
  type PrFacts,
  type PrOutcome,
  type PrSequenceStepId,
  type PrStep,
  type PrStepId,
  type Scsi2Support,
} from './pr.ts';
