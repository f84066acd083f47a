/**
 * Facts: what probes gathered, memoised per run so that two checks needing the same fact cause
 * one probe. Facts are JSON: each value is round-tripped through JSON on arrival, so a live run
 * and an offline re-run from a saved facts file (`--from-facts`) hand checks the same shapes.
 */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Probe, ProbeContext } from './contract.ts';
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

const FactsFileSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.object({ name: z.literal('clusterprobe'), version: z.string() }),
  savedAt: z.string(),
  facts: z.record(z.string(), z.unknown()),
});
export type FactsFile = z.infer<typeof FactsFileSchema>;

export async function saveFacts(file: string, facts: Record<string, unknown>, version: string): Promise<void> {
  const body: FactsFile = {
    schemaVersion: 1,
    tool: { name: 'clusterprobe', version },
    savedAt: new Date().toISOString(),
    facts,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

export async function loadFacts(file: string): Promise<FactsFile> {
  const text = await readCappedText(file, 'facts file', REPORT_MAX_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `facts file ${file} is not JSON (${(err as Error).message}); it should be a file written by --save-facts`,
    );
  }
  const parsed = FactsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `facts file ${file} is not a clusterprobe facts file (${issue?.path.join('.') || 'root'}: ${issue?.message}); write one with --save-facts`,
    );
  }
  return parsed.data;
}
