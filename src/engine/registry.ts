/**
 * The registry of checks and probes: the built-in index first, then plugins named in the spec,
 * each validated against the contract on load. Selection by `--only`/`--skip` globs over ids.
 */
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { resolve as resolvePath, isAbsolute } from 'node:path';
import { contractProblems, probeProblems, type Check, type Probe } from './contract.ts';
import { PluginError, UsageError } from './errors.ts';
import type { BugReporting } from './bugs.ts';

export interface RegisteredCheck {
  readonly check: Check;
  /** `built-in` or the plugin reference as written in the spec. */
  readonly source: string;
}

export class Registry {
  readonly #checks = new Map<string, RegisteredCheck>();
  readonly #probes = new Map<string, { probe: Probe; source: string }>();

  addCheck(value: unknown, source: string, label = source): void {
    const problems = contractProblems(value);
    if (problems.length > 0) {
      throw new PluginError(
        `${label}: not a valid check:\n  - ${problems.join('\n  - ')}\nA check is an object { meta, run }; see README "Writing a plugin check".`,
      );
    }
    const check = value as Check;
    const existing = this.#checks.get(check.meta.id);
    if (existing)
      throw new PluginError(
        `${label}: check id "${check.meta.id}" is already provided by ${existing.source}; ids must be unique`,
      );
    this.#checks.set(check.meta.id, { check, source });
  }

  addProbe(value: unknown, source: string, label = source): void {
    const problems = probeProblems(value);
    if (problems.length > 0) throw new PluginError(`${label}: not a valid probe:\n  - ${problems.join('\n  - ')}`);
    const probe = value as Probe;
    const existing = this.#probes.get(probe.fact);
    if (existing) throw new PluginError(`${label}: fact "${probe.fact}" is already provided by ${existing.source}`);
    this.#probes.set(probe.fact, { probe, source });
  }

  get checks(): readonly RegisteredCheck[] {
    return [...this.#checks.values()];
  }

  get probes(): ReadonlyMap<string, Probe> {
    return new Map([...this.#probes].map(([k, v]) => [k, v.probe]));
  }

  find(id: string): RegisteredCheck | undefined {
    return this.#checks.get(id);
  }

  /** `built-in` or the plugin reference that provides the probe of `fact`; undefined when none does. */
  probeSource(fact: string): string | undefined {
    return this.#probes.get(fact)?.source;
  }

  /**
   * Whose bug an internal error in a check or probe is: the plugin reference for plugin checks
   * and probes, undefined (clusterprobe) for built-ins.
   */
  bugReporting(options: { version: string; url?: string; debug: boolean }): BugReporting {
    const plugin = (source: string | undefined) => (source === undefined || source === 'built-in' ? undefined : source);
    return {
      ...options,
      pluginOfCheck: (checkId) => plugin(this.#checks.get(checkId)?.source),
      pluginOfProbe: (fact) => plugin(this.probeSource(fact)),
    };
  }

  /** Checks whose ids match any `only` glob (all when empty) and no `skip` glob, in index order. */
  select(only: readonly string[], skip: readonly string[]): RegisteredCheck[] {
    const all = this.checks;
    for (const [flag, patterns] of [
      ['--only', only],
      ['--skip', skip],
    ] as const) {
      for (const pattern of patterns) {
        if (!all.some((r) => globMatch(pattern, r.check.meta.id))) {
          const areas = [...new Set(all.map((r) => `${r.check.meta.area}.*`))].join(', ');
          throw new UsageError(
            `${flag} "${pattern}" matches no check; run "clusterprobe checks list" (areas: ${areas})`,
          );
        }
      }
    }
    return all.filter(
      (r) =>
        (only.length === 0 || only.some((p) => globMatch(p, r.check.meta.id))) &&
        !skip.some((p) => globMatch(p, r.check.meta.id)),
    );
  }

  /** Loads a plugin module (a path relative to `baseDir`, or an installed package) and registers its exports. */
  async loadPlugin(ref: string, baseDir: string): Promise<void> {
    const label = `plugin "${ref}"`;
    let url: string;
    const looksLikePath = ref.startsWith('.') || ref.startsWith('/') || isAbsolute(ref) || /\.[cm]?[jt]s$/.test(ref);
    if (looksLikePath) {
      url = pathToFileURL(resolvePath(baseDir, ref)).href;
    } else {
      try {
        url = pathToFileURL(createRequire(resolvePath(baseDir, 'noop.js')).resolve(ref)).href;
      } catch {
        throw new PluginError(
          `${label}: no such package installed next to the config (${baseDir}); install it with "npm install ${ref}" or give a path`,
        );
      }
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ERR_MODULE_NOT_FOUND' ? 'file not found' : `${e.name}: ${e.message.split('\n')[0]}`;
      throw new PluginError(`${label}: cannot be loaded (${why})`);
    }
    const { checks, probes } = pluginExports(mod);
    if (checks.length === 0 && probes.length === 0) {
      throw new PluginError(
        `${label}: exports no checks; export default a check, an array of checks, or { checks: [...], probes: [...] }`,
      );
    }
    checks.forEach((c, i) => this.addCheck(c, ref, `${label} check #${i + 1}${checkIdOf(c)}`));
    probes.forEach((p, i) => this.addProbe(p, ref, `${label} probe #${i + 1}`));
  }
}

function checkIdOf(value: unknown): string {
  const id = (value as { meta?: { id?: unknown } } | null)?.meta?.id;
  return typeof id === 'string' ? ` (${id})` : '';
}

function pluginExports(mod: Record<string, unknown>): { checks: unknown[]; probes: unknown[] } {
  const def = mod.default;
  const checks: unknown[] = [];
  const probes: unknown[] = [];
  const take = (v: unknown) => {
    if (Array.isArray(v)) checks.push(...v);
    else if (v && typeof v === 'object' && ('checks' in v || 'probes' in v)) {
      const o = v as { checks?: unknown; probes?: unknown };
      if (o.checks !== undefined) checks.push(...(Array.isArray(o.checks) ? o.checks : [o.checks]));
      if (o.probes !== undefined) probes.push(...(Array.isArray(o.probes) ? o.probes : [o.probes]));
    } else if (v !== undefined) checks.push(v);
  };
  take(def);
  if (def === undefined) take({ checks: mod.checks, probes: mod.probes });
  return { checks, probes };
}

/** `*` matches any run of characters (dots included), `?` one character; the rest is literal. */
export function globMatch(pattern: string, id: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return re.test(id);
}
