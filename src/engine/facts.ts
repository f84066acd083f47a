/**
 * Facts: what probes gathered, memoised per run so that two checks needing the same fact cause
 * one probe. Facts are JSON: each value is round-tripped through JSON on arrival, so a live run
 * and an offline re-run from a saved facts file (`--from-facts`) hand checks the same shapes.
 */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeValue, type Probe, type ProbeContext } from './contract.ts';
import { UsageError } from './errors.ts';
import type { Cleanups } from './cleanup.ts';
import { inScope, ProbeEscaped, type Escape } from './guard.ts';
import type { ClusterSpec } from '../config/schema.ts';
import type { SecretStore } from '../config/secrets.ts';
import { REPORT_MAX_BYTES, readCappedText } from '../config/load.ts';

/** Thrown to a check whose fact is absent from an offline facts file: the check is skipped. */
export class FactUnavailable extends Error {
  override name = 'FactUnavailable';
  readonly fact: string;
  constructor(fact: string, why: string) {
    super(why);
    this.fact = fact;
  }
}

/**
 * Thrown to a check that asks for a fact its `meta.facts` does not declare: the fact is not
 * handed over, and the runner records an error naming the check and the fact.
 */
export class UndeclaredFact extends Error {
  override name = 'UndeclaredFact';
  readonly checkId: string;
  readonly fact: string;
  constructor(checkId: string, fact: string) {
    super(`check ${checkId} read fact "${fact}" that it does not declare in meta.facts; add it to meta.facts`);
    this.checkId = checkId;
    this.fact = fact;
  }
}

/** A probe that threw: the checks that needed its fact record an error naming the probe. */
export class ProbeFailed extends Error {
  override name = 'ProbeFailed';
  readonly fact: string;
  /** True when no probe provides the fact: the asking check's fault, not a probe's. */
  readonly missing: boolean;
  constructor(fact: string, cause: unknown, missing = false) {
    super(`probe for fact "${fact}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.fact = fact;
    this.missing = missing;
  }
}

export interface FactStoreOptions {
  readonly spec: ClusterSpec;
  readonly probes: ReadonlyMap<string, Probe>;
  readonly secrets: SecretStore;
  readonly signal: AbortSignal;
  readonly cleanups: Cleanups;
  /** Facts loaded from `--from-facts`: no probe runs, and a missing fact is unavailable. */
  readonly offline?: Readonly<Record<string, unknown>>;
  readonly onProgress?: (fact: string, message: string) => void;
}

export class FactStore {
  readonly #options: FactStoreOptions;
  readonly #pending = new Map<string, Promise<unknown>>();
  readonly #settled = new Map<string, unknown>();
  readonly #shared = new Map<string, Promise<unknown>>();
  /** Probes collecting now: what ends one early when an exception escapes it. */
  readonly #running = new Map<string, { fail: (error: ProbeEscaped) => void; abort: AbortController }>();
  /** The last progress message of each probe, for a check that times out waiting on it. */
  readonly #progress = new Map<string, string>();
  /** Who asked for each fact: `check:<id>` or `probe:<fact>`. */
  readonly #requesters = new Map<string, Set<string>>();
  /** How many times each probe actually ran (observable: tests assert one probe per fact). */
  readonly probeRuns = new Map<string, number>();

  constructor(options: FactStoreOptions) {
    this.#options = options;
  }

  /**
   * The fact, gathered on the first call. `requester` (`check:<id>`, `probe:<fact>`) is recorded
   * so that an exception escaping a probe later can be charged to the checks that used its fact.
   */
  get(name: string, requester?: string): Promise<unknown> {
    if (requester !== undefined) {
      let set = this.#requesters.get(name);
      if (!set) this.#requesters.set(name, (set = new Set()));
      set.add(requester);
    }
    let pending = this.#pending.get(name);
    if (!pending) {
      pending = this.#collect(name);
      this.#pending.set(name, pending);
    }
    return pending;
  }

  async #collect(name: string): Promise<unknown> {
    const { offline, probes } = this.#options;
    if (offline) {
      if (!Object.hasOwn(offline, name))
        throw new FactUnavailable(
          name,
          `fact "${name}" is not in the facts file; re-run online with --save-facts to record it`,
        );
      return offline[name];
    }
    const probe = probes.get(name);
    if (!probe) throw new ProbeFailed(name, new Error(`no probe provides fact "${name}"`), true);
    this.probeRuns.set(name, (this.probeRuns.get(name) ?? 0) + 1);
    const abort = new AbortController();
    const ctx: ProbeContext = {
      spec: this.#options.spec,
      fact: ((other: string) => this.get(other, `probe:${name}`)) as ProbeContext['fact'],
      secrets: this.#options.secrets,
      baseDir: this.#options.secrets.baseDir,
      signal: AbortSignal.any([this.#options.signal, abort.signal]),
      onCleanup: (label, fn) => this.#options.cleanups.add(`probe ${name}: ${label}`, fn),
      progress: (message) => {
        this.#progress.set(name, message);
        this.#options.onProgress?.(name, message);
      },
      shared: (key, open, close) => this.#sharedResource(key, open, close),
    };
    const escaped = Promise.withResolvers<never>();
    this.#running.set(name, { fail: escaped.reject, abort });
    let value: unknown;
    try {
      const collected = inScope({ kind: 'probe', fact: name }, () => Promise.resolve().then(() => probe.collect(ctx)));
      value = await Promise.race([collected, escaped.promise]);
    } catch (err) {
      if (err instanceof ProbeEscaped) throw err;
      throw new ProbeFailed(name, err);
    } finally {
      this.#running.delete(name);
    }
    const json = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
    this.#settled.set(name, json);
    return json;
  }

  #sharedResource<T>(key: string, open: () => Promise<T>, close: (resource: T) => Promise<void> | void): Promise<T> {
    let pending = this.#shared.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = open();
      this.#shared.set(key, pending);
      // A resource that failed to open is not retried in this run: every caller gets the failure.
      pending.then(
        (resource) => this.#options.cleanups.add(`shared ${key}: close`, () => close(resource)),
        () => undefined,
      );
    }
    return pending;
  }

  /**
   * The facts `requester` (`check:<id>`) is waiting on now: the probes it asked for that are still
   * collecting, and the probes those are waiting on in turn, each with its last progress message.
   */
  waitingOn(requester: string): { readonly fact: string; readonly progress?: string }[] {
    const out: { fact: string; progress?: string }[] = [];
    const seen = new Set<string>();
    let askers = [requester];
    while (askers.length > 0) {
      const next: string[] = [];
      for (const [fact, by] of this.#requesters) {
        if (seen.has(fact) || !this.#running.has(fact) || !askers.some((a) => by.has(a))) continue;
        seen.add(fact);
        const progress = this.#progress.get(fact);
        out.push({ fact, ...(progress !== undefined ? { progress } : {}) });
        next.push(`probe:${fact}`);
      }
      askers = next;
    }
    return out;
  }

  /** The facts whose probes are collecting now. */
  get collecting(): readonly string[] {
    return [...this.#running.keys()];
  }

  /**
   * Ends the probe collecting `fact` because an exception escaped it: whoever awaits the fact gets
   * a ProbeEscaped, and the probe's signal aborts so that it can let go of its sockets. False when
   * the probe is not collecting (it finished before the exception surfaced). `suspects`, when
   * given, says the exception could not be tied to one probe and names those it is charged to.
   */
  escape(fact: string, escape: Escape, suspects?: readonly string[]): boolean {
    const running = this.#running.get(fact);
    if (!running) return false;
    this.#running.delete(fact);
    running.fail(new ProbeEscaped(fact, escape, suspects));
    running.abort.abort(new Error(`an exception escaped probe "${fact}"`));
    return true;
  }

  /** The checks that used `fact`, directly or through the probes that build on it. */
  checksUsing(fact: string): string[] {
    const checks = new Set<string>();
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const who of this.#requesters.get(name) ?? []) {
        if (who.startsWith('check:')) checks.add(who.slice('check:'.length));
        else if (who.startsWith('probe:')) visit(who.slice('probe:'.length));
      }
    };
    visit(fact);
    return [...checks];
  }

  /** Every fact gathered so far, secrets scrubbed, for `--save-facts`. */
  snapshot(): Record<string, unknown> {
    return this.#options.secrets.scrubDeep(Object.fromEntries(this.#settled));
  }
}

/** The version of the facts file layout and of the fact shapes in it, bumped when either changes. */
export const FACTS_SCHEMA_VERSION = 1;

const FactsFileSchema = z.object({
  schemaVersion: z.literal(FACTS_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('clusterprobe'), version: z.string() }),
  savedAt: z.string(),
  facts: z.record(z.string(), z.unknown()),
});
export type FactsFile = z.infer<typeof FactsFileSchema>;

/** Fact name -> the schema a saved value of it must satisfy (src/facts/schema); other facts pass as they are. */
export type FactSchemas = Readonly<Record<string, z.ZodType>>;

export async function saveFacts(file: string, facts: Record<string, unknown>, version: string): Promise<void> {
  const body: FactsFile = {
    schemaVersion: FACTS_SCHEMA_VERSION,
    tool: { name: 'clusterprobe', version },
    savedAt: new Date().toISOString(),
    facts,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

/** Problems shown per fact: the first few say enough to find the damage. */
const MAX_PROBLEMS_PER_FACT = 3;

/**
 * Reads a facts file written by `--save-facts`. Each fact `schemas` knows is validated against
 * its schema, so that a file edited by hand, cut short or written by another version is a usage
 * error naming the file, the fact, the JSON path and what was expected, and never reaches a check
 * to crash on; the checks get the validated values. A fact without a schema (a plugin's) passes
 * as it is. `upgrade` first fills in, from what older versions wrote, fields added since.
 */
export async function loadFacts(
  file: string,
  schemas: FactSchemas,
  upgrade: (facts: Readonly<Record<string, unknown>>) => Record<string, unknown> = (f) => ({ ...f }),
): Promise<FactsFile> {
  const text = await readCappedText(file, 'facts file', REPORT_MAX_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `facts file ${file} is not JSON (${(err as Error).message}); it should be a file written by --save-facts`,
    );
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== FACTS_SCHEMA_VERSION) {
    const tool = (raw as { tool?: { version?: unknown } }).tool?.version;
    const by = typeof tool === 'string' ? `clusterprobe ${tool}` : 'another clusterprobe';
    throw new UsageError(
      `facts file ${file} has schemaVersion ${version} (written by ${by}); this clusterprobe reads schemaVersion ${FACTS_SCHEMA_VERSION}. ` +
        (version > FACTS_SCHEMA_VERSION
          ? `Evaluate it with ${by} or later, or write it again with this version: clusterprobe validate --config cluster.yaml --save-facts FILE`
          : `Write it again with this version: clusterprobe validate --config cluster.yaml --save-facts FILE`),
    );
  }
  const parsed = FactsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `facts file ${file} is not a clusterprobe facts file (${issue?.path.join('.') || 'root'}: ${issue?.message}); write one with --save-facts`,
    );
  }
  const facts: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(upgrade(parsed.data.facts))) {
    const schema = Object.hasOwn(schemas, name) ? schemas[name] : undefined;
    if (!schema) {
      facts[name] = value;
      continue;
    }
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) {
      facts[name] = result.data;
      continue;
    }
    const lines = result.error.issues.slice(0, MAX_PROBLEMS_PER_FACT).map((issue) => {
      const { path, message } = describeIssue(issue, value);
      return `  ${jsonPath(['facts', name, ...path])}: ${message}`;
    });
    const more = result.error.issues.length - lines.length;
    problems.push(
      `fact "${name}" is not what this clusterprobe expects:\n${lines.join('\n')}${more > 0 ? `\n  (and ${more} more)` : ''}`,
    );
  }
  if (problems.length > 0)
    throw new UsageError(
      `facts file ${file}: ${problems.join('\n')}\n` +
        'The file was edited by hand, cut short, or written by another version of clusterprobe. Write it again with ' +
        'clusterprobe validate --config cluster.yaml --save-facts FILE, or remove the fact from the file: the checks that need it are then skipped.',
    );
  return { ...parsed.data, facts };
}

/** `facts["storage.pr"].disks[0].steps[3].step`: the place of a value in the file, as JavaScript would write it. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) return i === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join('');
}

type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  null: 'null',
};

/** The value at `path` in `root`, or undefined when the path does not lead anywhere. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function got(value: unknown): string {
  return value === undefined ? 'nothing (the key is missing)' : describeValue(value);
}

/** What one issue means, in words: what was expected there and what the file holds. */
function describeIssue(issue: Issue, root: unknown): { path: PropertyKey[]; message: string } {
  const path = [...issue.path];
  const here = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_type':
      return { path, message: `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${got(here)}` };
    case 'invalid_value':
      return { path, message: `expected ${oneOf(issue.values)}, got ${got(here)}` };
    case 'unrecognized_keys':
      return {
        path,
        message: `unexpected key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
      };
    case 'invalid_union': {
      const branches = issue.errors;
      // Every branch failed on the value itself (an enum, a literal, a type): say what any would take.
      if (branches.length > 0 && branches.every((b) => b.length === 1 && b[0]!.path.length === 0)) {
        const all = branches.map((b) => b[0]!);
        if (all.every((i) => i.code === 'invalid_value'))
          return { path, message: `expected ${oneOf(all.flatMap((i) => i.values))}, got ${got(here)}` };
        const wanted = branches.map((b) => {
          const i = b[0]!;
          if (i.code === 'invalid_value') return oneOf(i.values);
          if (i.code === 'invalid_type') return TYPE_WORDS[i.expected] ?? i.expected;
          return i.message;
        });
        return { path, message: `expected ${wanted.join(' or ')}, got ${got(here)}` };
      }
      // Else the branch that got furthest into the value is the one the file meant.
      const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
      const first = best?.[0];
      if (!first) return { path, message: issue.message };
      const inner = describeIssue(first, here);
      return { path: [...path, ...inner.path], message: inner.message };
    }
    default:
      return { path, message: issue.message };
  }
}

function depth(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`;
}
