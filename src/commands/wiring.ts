/**
 * Wiring shared by the commands: the registry of built-in and plugin checks, and the spec from a
 * config file or a facts file. The spec and facts readers (YAML, the zod schemas) are imported
 * when a file is read, so `checks list` without --config loads neither.
 */
import { dirname, resolve } from 'node:path';
import { builtinChecks } from '../../checks/index.ts';
import { builtinProbes } from '../probes.ts';
import { Registry } from '../engine/registry.ts';
import { UsageError } from '../engine/errors.ts';
import type { FactsFile } from '../engine/facts.ts';
import type { ClusterSpec } from '../config/schema.ts';

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
  const facts = factsFile ? await readFacts(factsFile) : undefined;
  if (configFile) {
    const file = resolve(configFile);
    const { loadSpec } = await import('../config/load.ts');
    const { spec } = await loadSpec(file);
    return { spec, baseDir: dirname(file), ...(facts ? { facts } : {}) };
  }
  if (facts) {
    const { ClusterSpecSchema } = await import('../config/schema.ts');
    const parsed = ClusterSpecSchema.safeParse(facts.facts.spec);
    if (!parsed.success)
      throw new UsageError(`facts file ${factsFile} holds no valid "spec" fact; pass --config as well`);
    return { spec: parsed.data, baseDir: process.cwd(), facts };
  }
  throw new UsageError(
    'no cluster spec: pass --config cluster.yaml (write one with clusterprobe init, or the commented example with clusterprobe init --example), or --from-facts FILE to re-evaluate a saved run',
  );
}

async function readFacts(factsFile: string): Promise<FactsFile> {
  const [{ loadFacts }, { FACT_SCHEMAS }, { upgradeSavedFacts }] = await Promise.all([
    import('../engine/facts.ts'),
    import('../facts/schema/index.ts'),
    import('../facts/index.ts'),
  ]);
  return loadFacts(resolve(factsFile), FACT_SCHEMAS, upgradeSavedFacts);
}

/** The registry `checks list` and `checks explain` show: built-ins, the spec's plugins, --plugin. */
export async function registryFor(config: string | undefined, plugins: string[] | undefined) {
  if (config) {
    const inputs = await loadInputs(config, undefined);
    return buildRegistry([...(inputs.spec.plugins ?? []), ...(plugins ?? [])], inputs.baseDir);
  }
  return buildRegistry(plugins ?? [], process.cwd());
}
