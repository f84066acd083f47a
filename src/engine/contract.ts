/**
 * The check contract (DESIGN.md, "The check contract"). A check is a plain object
 * `{ meta, run }`; built-in checks and plugin checks are validated against the same schema
 * before anything runs, so a broken plugin is named and explained instead of failing mid-run.
 */
import type { FindingStatus, Remediation } from './report.ts';
import type { ClusterSpec, Waiver } from '../config/schema.ts';
import type { Secret } from '../config/secrets.ts';
import { describeValue } from '../errors.ts';

export { describeValue } from '../errors.ts';
export { actionKey, actionProblems, psParam, remediationActionProblems, shParam, shVariable } from './action.ts';

export const CHECK_ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;
const MESSAGE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;

/** What a check may report; `waived` is only ever set by the engine. */
export type ReportableStatus = Exclude<FindingStatus, 'waived'>;

export interface CheckMeta {
  /** Hierarchical, globbable id: `storage.pr.support`, `config.netbios.name`. */
  readonly id: string;
  readonly title: string;
  /** The first segment of the id by convention: `config`, `storage`, `ad`, `nodes`. */
  readonly area: string;
  /** What the check verifies. */
  readonly description: string;
  /** Why it matters for a failover cluster. */
  readonly why: string;
  /** Documentation: a repo-relative markdown path or a URL. */
  readonly docs: string;
  /** The status a problem found by this check carries: `warn` downgrades reported failures. */
  readonly severity: 'fail' | 'warn';
  /** Names of the facts (probe results) the check reads. */
  readonly facts: readonly string[];
  /** Messages keyed by id, with `{placeholder}`s filled from the finding's data. */
  readonly messages: Readonly<Record<string, string>>;
  /** The remediations the check can give, in a sentence each (for `checks explain`). */
  readonly remediations?: readonly string[];
}

export interface FindingInput {
  readonly status: ReportableStatus;
  readonly messageId: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly subject?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
  readonly remediation?: Remediation;
}

/**
 * The type of each built-in fact, by name. Empty here: src/facts/index.ts fills it in
 * (declaration merging) with its `FactMap`, so that the engine stays below the facts layer.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by src/facts (declaration merging)
export interface BuiltinFacts {}

/** The name of a built-in fact (src/facts: `spec`, `storage.pr`, `ad.directory`...). */
export type BuiltinFactName = keyof BuiltinFacts & string;

/** The areas of the built-in fact names: `storage` of `storage.pr`, `spec` of `spec`. */
type BuiltinFactArea = BuiltinFactName extends infer N ? (N extends `${infer Area}.${string}` ? Area : N) : never;

/**
 * A name a plugin's fact may have: not a built-in fact's, and not in a built-in fact's area
 * (`storage.prr` is a typo, not a plugin's fact), so that a misspelt built-in name fails to
 * compile instead of reading `unknown`.
 */
export type PluginFactName<N extends string> = N extends BuiltinFactName | `${BuiltinFactArea}.${string}` ? never : N;

/**
 * Reading facts. A built-in fact's name gives its type (`FactMap` in src/facts); any other name
 * (a fact a plugin's probe provides) gives `unknown`, to be narrowed by the reader.
 */
export interface FactReader {
  /** The fact named, gathered once per run and shared by every reader that asks for it. */
  fact<K extends BuiltinFactName>(name: K): Promise<BuiltinFacts[K]>;
  /** A plugin's fact: its shape is the plugin's to check. */
  fact<N extends string>(name: PluginFactName<N>): Promise<unknown>;
}

export interface CheckContext extends FactReader {
  readonly checkId: string;
  report(finding: FindingInput): void;
  /** Aborted on timeout or Ctrl-C. */
  readonly signal: AbortSignal;
  /** Registers work that must happen before the process exits, whatever happens. */
  onCleanup(label: string, fn: () => Promise<void> | void): void;
  /** The time the run started: checks stay pure functions of facts and this instant. */
  readonly now: Date;
  /** Every waiver of this run (config and --waivers), expired ones included. */
  readonly waivers: readonly Waiver[];
}

export interface Check {
  readonly meta: CheckMeta;
  run(ctx: CheckContext): Promise<void> | void;
}

/** `fact(name)` gives another fact, for probes that build on one another. */
export interface ProbeContext extends FactReader {
  readonly spec: ClusterSpec;
  readonly secrets: SecretResolver;
  /** The spec file's directory: relative paths in the spec (tls.caFile...) are relative to it. */
  readonly baseDir: string;
  readonly signal: AbortSignal;
  onCleanup(label: string, fn: () => Promise<void> | void): void;
  /**
   * A live resource several probes share during one run (one PowerShell process, say): opened on
   * the first call, handed to every later caller, closed by the run's cleanup. Not a fact: it is
   * never saved, and an offline run has none.
   */
  shared<T>(key: string, open: () => Promise<T>, close: (resource: T) => Promise<void> | void): Promise<T>;
  /** What the probe is doing now ("iqn...:csv1 LUN 3: PREEMPT"), shown under the checks waiting for it. */
  progress(message: string): void;
}

/** Probes do I/O and return JSON-serialisable facts with normalised statuses. */
export interface Probe<T = unknown> {
  /** The fact name it produces, e.g. `ad.rootDse`. */
  readonly fact: string;
  readonly description: string;
  collect(ctx: ProbeContext): Promise<T> | T;
}

export interface SecretResolver {
  /** Resolves a secret reference from the spec; the value is a `Secret`, never a plain string. */
  resolve(ref: string, where: string): Promise<Secret>;
}

/** The shapes a plugin module may export: a default array or object, or named `checks`/`probes`. */
export interface PluginExports {
  readonly checks?: readonly Check[];
  readonly probes?: readonly Probe[];
}

/** A problem with one field of `meta`, or undefined: `what` is what was expected. */
function textProblem(value: unknown, what: string, pattern?: RegExp): string | undefined {
  if (typeof value === 'string' && value.length > 0 && (!pattern || pattern.test(value))) return undefined;
  return `${what}; got ${describeValue(value)}`;
}

function listProblems(value: unknown, path: string, what: string): string[] {
  if (!Array.isArray(value)) return [`${path}: ${what}; got ${describeValue(value)}`];
  return value.flatMap((item: unknown, i) =>
    typeof item === 'string' ? [] : [`${path}.${i}: expected a string; got ${describeValue(item)}`],
  );
}

function messagesProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`meta.messages: expected a mapping of message id to text; got ${describeValue(value)}`];
  const entries = Object.entries(value);
  if (entries.length === 0) return ['meta.messages: expected at least one message'];
  return entries.flatMap(([id, text]) => [
    ...(MESSAGE_ID_PATTERN.test(id) ? [] : [`meta.messages.${id}: expected camelCase message ids`]),
    ...(typeof text === 'string' && text.length > 0
      ? []
      : [`meta.messages.${id}: expected a non-empty string; got ${describeValue(text)}`]),
  ]);
}

/**
 * The problems of a check's `meta`, each as `meta.<path>: <what was expected>`. Hand-written
 * rather than a zod schema: `checks list` validates every check and loads no schema library.
 */
function metaProblems(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    return [`meta: expected a mapping (id, title, area, description, why, docs, ...); got ${describeValue(meta)}`];
  const m = meta as Record<string, unknown>;
  const texts: [key: string, what: string, pattern?: RegExp][] = [
    ['id', 'expected a dotted lower-case id such as "area.topic.detail"', CHECK_ID_PATTERN],
    ['title', 'expected a non-empty title'],
    ['area', 'expected a lower-case area name', /^[a-z][a-z0-9-]*$/],
    ['description', 'expected a description'],
    ['why', 'expected a "why" explaining why it matters'],
    ['docs', 'expected docs (a markdown path or URL)'],
  ];
  const problems = texts.flatMap(([key, what, pattern]) => {
    const problem = textProblem(m[key], what, pattern);
    return problem ? [`meta.${key}: ${problem}`] : [];
  });
  if (m.severity !== 'fail' && m.severity !== 'warn')
    problems.push(`meta.severity: expected "fail" or "warn"; got ${describeValue(m.severity)}`);
  problems.push(...listProblems(m.facts, 'meta.facts', 'expected a list of fact names'));
  problems.push(...messagesProblems(m.messages));
  if (m.remediations !== undefined)
    problems.push(...listProblems(m.remediations, 'meta.remediations', 'expected a list of sentences'));
  return problems;
}

/**
 * Validates an unknown value against the check contract. Returns the problems in words, empty
 * when the value is a valid check.
 */
export function contractProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null)
    return [`expected an object { meta, run }, got ${describeValue(value)}`];
  const candidate = value as { meta?: unknown; run?: unknown };
  const problems: string[] = [];
  if (candidate.meta === undefined) problems.push('missing "meta"');
  else {
    const metaIssues = metaProblems(candidate.meta);
    if (metaIssues.length > 0) problems.push(...metaIssues);
    else {
      const meta = candidate.meta as CheckMeta;
      if (!meta.id.startsWith(`${meta.area}.`))
        problems.push(`meta.id "${meta.id}" must start with its area "${meta.area}."`);
    }
  }
  if (typeof candidate.run !== 'function')
    problems.push(`"run" must be a function, got ${describeValue(candidate.run)}`);
  return problems;
}

export function probeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null)
    return [`expected a probe object { fact, description, collect }, got ${describeValue(value)}`];
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof p.fact !== 'string' || p.fact.length === 0) problems.push('"fact" must be a non-empty string');
  if (typeof p.description !== 'string') problems.push('"description" must be a string');
  if (typeof p.collect !== 'function') problems.push(`"collect" must be a function, got ${describeValue(p.collect)}`);
  return problems;
}

/** Fills `{name}` placeholders from data; an unknown placeholder stays visible as written. */
export function formatMessage(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => {
    const value = data[key];
    if (value === undefined) return whole;
    if (Array.isArray(value)) return value.map(String).join(', ');
    if (typeof value === 'object' && value !== null) return JSON.stringify(value);
    return String(value);
  });
}
