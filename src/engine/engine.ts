/**
 * One preflight run: facts, checks, waivers, and the Report. The command layer supplies the
 * inputs and renders the result; everything here is testable without a terminal.
 */
import type { ClusterSpec, Waiver } from '../config/schema.ts';
import type { SecretStore } from '../config/secrets.ts';
import type { Check, Probe } from './contract.ts';
import { Cleanups, type CleanupOutcome } from './cleanup.ts';
import { FactStore } from './facts.ts';
import {
  applyWaivers,
  checkEscapedFinding,
  probeEscapedFinding,
  runChecks,
  runEscapedFinding,
  RunningChecks,
  type ProgressListener,
} from './runner.ts';
import { summarise, verdictOf, type Finding, type Report } from './report.ts';
import { planOf } from './plan.ts';
import { culpritName, defaultBugReporting, UNKNOWN_CULPRIT, type BugReporting } from './bugs.ts';
import { errorLine, installEscapeGuard, ProbeEscaped, type Escape, type EscapeOrigin, type Scope } from './guard.ts';

export interface RunInput {
  readonly spec: ClusterSpec;
  readonly checks: readonly Check[];
  readonly probes: ReadonlyMap<string, Probe>;
  readonly secrets: SecretStore;
  readonly waivers: readonly Waiver[];
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly toolVersion: string;
  /** Facts from `--from-facts`: evaluation only, no probe runs. */
  readonly offlineFacts?: Readonly<Record<string, unknown>>;
  readonly progress?: ProgressListener;
  /** Shared with the caller so that Ctrl-C handling can await the same cleanups. */
  readonly cleanups?: Cleanups;
  readonly now?: Date;
  /** Whose bug an internal error is, how to report it, and `--debug` (stacks in evidence). */
  readonly bugs?: BugReporting;
}

/** An exception that escaped a probe or a check during the run, for the one line the terminal shows. */
export interface EscapeSummary {
  readonly origin: EscapeOrigin;
  /** The first line of the exception's message (never its stack). */
  readonly error: string;
  /** The probe or check it came from; absent when it could not be tied to one. */
  readonly scope?: Scope;
  /** `clusterprobe`, `plugin "./x.js"`, or `clusterprobe or a plugin` when not attributed. */
  readonly culprit: string;
  /** For an unattributed exception: the probes it was charged to (empty: none was running). */
  readonly chargedTo: readonly string[];
  /** How many times it escaped (a throwing interval escapes again and again). */
  readonly count: number;
}

export interface RunOutput {
  readonly report: Report;
  /** Every fact gathered, secrets scrubbed: what `--save-facts` writes. */
  readonly facts: Record<string, unknown>;
  readonly cleanup: readonly CleanupOutcome[];
  readonly probeRuns: ReadonlyMap<string, number>;
  /** Exceptions that escaped probes or checks asynchronously: each is also an `error` finding. */
  readonly escapes: readonly EscapeSummary[];
}

export async function runPreflight(input: RunInput): Promise<RunOutput> {
  const now = input.now ?? new Date();
  const cleanups = input.cleanups ?? new Cleanups();
  const facts = new FactStore({
    spec: input.spec,
    probes: input.probes,
    secrets: input.secrets,
    signal: input.signal,
    cleanups,
    ...(input.offlineFacts ? { offline: input.offlineFacts } : {}),
    ...(input.progress?.factProgress
      ? { onProgress: (fact: string, message: string) => input.progress?.factProgress?.(fact, message) }
      : {}),
  });
  const bugs = input.bugs ?? defaultBugReporting(input.toolVersion);
  const running = new RunningChecks();
  const escapes = new Map<string, EscapeSummary>();
  const late: Escape[] = [];
  // An exception that escapes a probe ends that probe (its checks record an error); one that
  // escapes a check ends that check; one that surfaces after its probe or check finished is
  // charged to it at the end. One tied to nothing is charged to every probe collecting then.
  const onEscape = (escape: Escape) => {
    const key = escape.scope
      ? escape.scope.kind === 'probe'
        ? `probe:${escape.scope.fact}`
        : `check:${escape.scope.checkId}`
      : 'unattributed';
    const seen = escapes.get(key);
    let chargedTo: string[] = [];
    if (escape.scope?.kind === 'probe') {
      if (!facts.escape(escape.scope.fact, escape) && !seen) late.push(escape);
    } else if (escape.scope?.kind === 'check') {
      if (!running.escape(escape.scope.checkId, escape) && !seen) late.push(escape);
    } else {
      chargedTo = [...facts.collecting];
      for (const fact of chargedTo) facts.escape(fact, escape, chargedTo);
      if (chargedTo.length === 0 && !seen) late.push(escape);
    }
    if (seen)
      escapes.set(key, { ...seen, count: seen.count + 1, chargedTo: [...new Set([...seen.chargedTo, ...chargedTo])] });
    else escapes.set(key, escapeSummary(escape, bugs, chargedTo));
  };
  let findings: Finding[];
  let cleanup: CleanupOutcome[];
  const removeGuard = installEscapeGuard(onEscape);
  try {
    findings = await runChecks({
      checks: input.checks,
      facts,
      cleanups,
      concurrency: input.concurrency,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      now,
      waivers: input.waivers,
      bugs,
      running,
      ...(input.progress ? { progress: input.progress } : {}),
    });
  } finally {
    // Cleanups run on every path out of the run, before anything is rendered.
    try {
      cleanup = await cleanups.runAll();
    } finally {
      removeGuard();
    }
  }
  findings = withLateEscapes(findings, late, input.checks, facts, bugs);
  const waived = applyWaivers(findings, input.waivers, now);
  const cancelled = input.signal.aborted;
  const summary = summarise(waived);
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'clusterprobe', version: input.toolVersion },
    startedAt: now.toISOString(),
    durationMs: Date.now() - now.getTime(),
    verdict: verdictOf(summary, cancelled),
    cancelled,
    offline: input.offlineFacts !== undefined,
    cluster: {
      ...(input.spec.cluster?.name !== undefined ? { name: input.spec.cluster.name } : {}),
      ...(input.spec.cluster?.windowsVersion !== undefined
        ? { windowsVersion: input.spec.cluster.windowsVersion }
        : {}),
      nodes: input.spec.nodes.map((n) => n.name),
      ...(input.spec.activeDirectory?.domain !== undefined ? { domain: input.spec.activeDirectory.domain } : {}),
      portals: (input.spec.storage?.iscsi ?? []).map((p) => p.portal),
    },
    summary,
    findings: waived,
    plan: planOf(waived),
  };
  return {
    report: input.secrets.scrubDeep(report),
    facts: facts.snapshot(),
    cleanup,
    probeRuns: facts.probeRuns,
    escapes: input.secrets.scrubDeep([...escapes.values()]),
  };
}

/** What the terminal line says of one escape: where from, whose bug, the first line of the error. */
export function escapeSummary(escape: Escape, bugs: BugReporting, chargedTo: readonly string[] = []): EscapeSummary {
  const { scope } = escape;
  const culprit = culpritName(
    scope === undefined
      ? UNKNOWN_CULPRIT
      : scope.kind === 'probe'
        ? bugs.pluginOfProbe(scope.fact)
        : bugs.pluginOfCheck(scope.checkId),
  );
  return {
    origin: escape.origin,
    error: errorLine(escape.error),
    ...(scope ? { scope } : {}),
    culprit,
    chargedTo,
    count: 1,
  };
}

/**
 * Findings for exceptions that surfaced after their probe or check had finished (a timer left
 * behind), placed after the findings of the check they are charged to: the checks that used the
 * probe's fact, or the check itself. One tied to nothing is a finding of the run (`engine.run`).
 */
function withLateEscapes(
  findings: Finding[],
  late: readonly Escape[],
  checks: readonly Check[],
  facts: FactStore,
  bugs: BugReporting,
): Finding[] {
  if (late.length === 0) return findings;
  const byId = new Map(checks.map((c) => [c.meta.id, c]));
  const extra = new Map<string, Finding[]>();
  const add = (checkId: string, finding: Finding) => extra.set(checkId, [...(extra.get(checkId) ?? []), finding]);
  const orphans: Finding[] = [];
  for (const escape of late) {
    const scope = escape.scope;
    if (scope?.kind === 'probe') {
      const users = facts.checksUsing(scope.fact).filter((id) => byId.has(id));
      if (users.length === 0) orphans.push(runEscapedFinding(escape, bugs));
      for (const id of users) add(id, probeEscapedFinding(byId.get(id)!, new ProbeEscaped(scope.fact, escape), bugs));
    } else if (scope?.kind === 'check' && byId.has(scope.checkId)) {
      add(scope.checkId, checkEscapedFinding(byId.get(scope.checkId)!, escape, bugs));
    } else {
      orphans.push(runEscapedFinding(escape, bugs));
    }
  }
  const out: Finding[] = [];
  findings.forEach((f, i) => {
    out.push(f);
    if (findings[i + 1]?.checkId !== f.checkId && extra.has(f.checkId)) {
      out.push(...extra.get(f.checkId)!);
      extra.delete(f.checkId);
    }
  });
  return [...out, ...[...extra.values()].flat(), ...orphans];
}

/**
 * The one line the terminal shows for an exception that escaped: which probe or check, whose bug,
 * and the first line of its message; never a stack.
 */
export function escapeLine(escape: EscapeSummary, afterRun = false): string {
  const times = escape.count > 1 ? ` (${escape.count} times)` : '';
  const what = `${escape.origin}: ${escape.error}`;
  if (afterRun) {
    const from =
      escape.scope?.kind === 'probe'
        ? `probe "${escape.scope.fact}"`
        : escape.scope?.kind === 'check'
          ? `check ${escape.scope.checkId}`
          : 'code that could not be told';
    return `an exception escaped ${from} of ${escape.culprit} after the run had finished${times} (${what}); it is not in the report. A bug in ${escape.culprit}, not in the cluster: report it with the version and the command line.`;
  }
  if (escape.scope?.kind === 'probe')
    return `an exception escaped probe "${escape.scope.fact}" of ${escape.culprit}${times} (${what}); the checks using its fact record an error. A bug in ${escape.culprit}, not in the cluster: the report says how to report it.`;
  if (escape.scope?.kind === 'check')
    return `an exception escaped check ${escape.scope.checkId} of ${escape.culprit}${times} (${what}); the check records an error. A bug in ${escape.culprit}, not in the cluster: the report says how to report it.`;
  const charged =
    escape.chargedTo.length > 0
      ? `charged to the probes running then (${escape.chargedTo.map((f) => `"${f}"`).join(', ')}), whose checks record an error`
      : 'recorded as an error of the run (engine.run)';
  return `an exception escaped that could not be tied to one probe or check${times} (${what}); ${charged}. A bug in clusterprobe or a plugin, not in the cluster.`;
}
