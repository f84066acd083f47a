/**
 * Wiring shared by the commands: the registry of built-in and plugin checks, and the spec from a
 * config file or a facts file.
 */
import { dirname, resolve } from 'node:path';
import { builtinChecks } from '../../checks/index.ts';
import { builtinProbes } from '../probes.ts';
import { Registry } from '../engine/registry.ts';
import { UsageError } from '../engine/errors.ts';
import { loadFacts, type FactsFile } from '../engine/facts.ts';
import { loadSpec } from '../config/load.ts';
import { FACT_SCHEMAS } from '../facts/schema/index.ts';
import { upgradeSavedFacts } from '../facts/index.ts';
import { ClusterSpecSchema, type ClusterSpec } from '../config/schema.ts';

export async function buildRegistry(plugins: readonly string[], baseDir: string): Promise<Registry> {
  const registry = new Registry();
  for (const check of builtinChecks) registry.addCheck(check, 'built-in');
  for (const probe of builtinProbes) registry.addProbe(probe, 'built-in');
  for (const ref of plugins) await registry.loadPlugin(ref, baseDir);
  return registry;
}

export interface Inputs {
  readonly spec: ClusterSpec;
  /** Directory that relative paths in the spec (plugins, file: secrets) are resolved against. */
  readonly baseDir: string;
  readonly facts?: FactsFile;
}

/** The spec from --config, or, for an offline re-run without one, the spec saved in the facts file. */
export async function loadInputs(configFile: string | undefined, factsFile: string | undefined): Promise<Inputs> {
  // Older files: fields added since are derived once, before validation and before any check reads them.
  const facts = factsFile ? await loadFacts(resolve(factsFile), FACT_SCHEMAS, upgradeSavedFacts) : undefined;
  if (configFile) {
    const file = resolve(configFile);
    const { spec } = await loadSpec(file);
    return { spec, baseDir: dirname(file), ...(facts ? { facts } : {}) };
  }
  if (facts) {
    const parsed = ClusterSpecSchema.safeParse(facts.facts.spec);
    if (!parsed.success)
      throw new UsageError(`facts file ${factsFile} holds no valid "spec" fact; pass --config as well`);
    return { spec: parsed.data, baseDir: process.cwd(), facts };
  }
  throw new UsageError(
    'no cluster spec: pass --config cluster.yaml (see examples/review-lab.yaml), or --from-facts FILE to re-evaluate a saved run',
  );
}

/** The registry `checks list` and `checks explain` show: built-ins, the spec's plugins, --plugin. */
export async function registryFor(config: string | undefined, plugins: string[] | undefined) {
  if (config) {
    const inputs = await loadInputs(config, undefined);
    return buildRegistry([...(inputs.spec.plugins ?? []), ...(plugins ?? [])], inputs.baseDir);
  }
  return buildRegistry(plugins ?? [], process.cwd());
}
