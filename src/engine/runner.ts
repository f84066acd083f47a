/**
 * Runs checks: bounded concurrency, a time limit per check, cancellation, and the rule that a
 * check that throws, times out or reports nothing records `error` while the run goes on.
 */
import {
  formatMessage,
  remediationActionProblems,
  type Check,
  type CheckContext,
  type FindingInput,
} from './contract.ts';
import { FactUnavailable, ProbeFailed, UndeclaredFact, type FactStore } from './facts.ts';
import type { Cleanups } from './cleanup.ts';
import type { Finding, Remediation } from './report.ts';
import type { Waiver } from '../config/schema.ts';
import {
  bugRemediation,
  culpritName,
  defaultBugReporting,
  UNKNOWN_CULPRIT,
  type BugReporting,
  type Culprit,
} from './bugs.ts';
import { errorLine, inScope, ProbeEscaped, stackOf, type Escape } from './guard.ts';
// In their own module, which the config.waivers.expiry check imports without the runner.
export { applyWaivers, waiverActive } from './waivers.ts';

/** Messages the engine itself reports on a check's behalf. */
export const ENGINE_MESSAGES = {
  engineThrew:
    'The check failed with an internal error: {error}. This is a bug in {culprit}, not a finding about the cluster',
  engineTimeout: 'The check did not finish within {seconds} s and was stopped ({waiting})',
  engineNoFindings: 'The check finished without reporting anything (a bug in {culprit})',
  engineUndeclaredMessage:
    'The check reported message id "{messageId}", which its meta does not declare (a bug in {culprit})',
  engineBadFinding: 'The check reported a malformed finding: {problem} (a bug in {culprit})',
  engineCancelled: 'The run was interrupted before this check finished',
  engineUndeclaredFact:
    'check {checkId} read fact "{fact}" that it does not declare in meta.facts; add it to meta.facts (a bug in {culprit})',
  engineFactUnavailable: 'Not evaluated: {reason}',
  engineProbeEscaped:
    'An exception escaped probe "{fact}" ({origin}: {error}), so this check could not be evaluated on it. This is a bug in {culprit}, not a finding about the cluster',
  engineEscapeUnattributed:
    'An exception escaped ({origin}: {error}) while probes {suspects} were running; it could not be tied to one of them, so the checks waiting on each record it. This is a bug in clusterprobe or a plugin, not a finding about the cluster',
  engineCheckEscaped:
    "An exception escaped the check's own asynchronous code ({origin}: {error}). This is a bug in {culprit}, not a finding about the cluster",
  engineRunEscaped:
    'An exception escaped ({origin}: {error}) that could not be tied to a probe or a check, and no probe was running to charge it to. This is a bug in clusterprobe or a plugin, not a finding about the cluster',
} as const;

/**
 * The checks running now, each with the way to end it early: an exception that escapes a check's
 * own asynchronous code ends that check with an error.
 */
export class RunningChecks {
  readonly #running = new Map<string, (escape: Escape) => void>();

  /** Ends the running check `checkId` with the escape; false when it is not running. */
  escape(checkId: string, escape: Escape): boolean {
    const end = this.#running.get(checkId);
    if (!end) return false;
    this.#running.delete(checkId);
    end(escape);
    return true;
  }

  start(checkId: string, end: (escape: Escape) => void): void {
    this.#running.set(checkId, end);
  }

  finish(checkId: string): void {
    this.#running.delete(checkId);
  }
}

export interface ProgressListener {
  checkStarted?(check: Check): void;
  checkFinished?(check: Check, findings: readonly Finding[]): void;
  /** A probe's progress message for the fact it is gathering. */
  factProgress?(fact: string, message: string): void;
}

export interface RunOptions {
  readonly checks: readonly Check[];
  readonly facts: FactStore;
  readonly cleanups: Cleanups;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly now: Date;
  readonly waivers: readonly Waiver[];
  readonly progress?: ProgressListener;
  /** Whose bug an internal error is, how to report it, and whether stacks go into evidence. */
  readonly bugs?: BugReporting;
  /** Shared with the escape guard, which ends a check whose own code threw asynchronously. */
  readonly running?: RunningChecks;
}

export async function runChecks(options: RunOptions): Promise<Finding[]> {
  const results: Finding[][] = options.checks.map(() => []);
  let next = 0;
  const worker = async () => {
    while (next < options.checks.length) {
      const index = next;
      next += 1;
      const check = options.checks[index]!;
      if (options.signal.aborted) {
        results[index] = [engineFinding(check, 'skipped', 'engineCancelled', {})];
        continue;
      }
      options.progress?.checkStarted?.(check);
      results[index] = await runOne(check, options);
      options.progress?.checkFinished?.(check, results[index]);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, options.checks.length)) }, worker);
  await Promise.all(workers);
  return results.flat();
}

async function runOne(check: Check, options: RunOptions): Promise<Finding[]> {
  const { meta } = check;
  const bugs = options.bugs ?? defaultBugReporting();
  const findings: Finding[] = [];
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onRunAbort, { once: true });
  let open = true;

  // The contract: a check reads the facts its meta declares, and only those (`checks explain`, the
  // progress view and the audit rely on the declaration). An undeclared fact is refused, not
  // handed over, and the refusal is reported even if the check catches it.
  const declared = new Set(meta.facts);
  const undeclared = new Set<string>();
  const ctx: CheckContext = {
    checkId: meta.id,
    // The store holds what each probe returned; probes of built-in facts are typed by the same map.
    fact: ((name: string) => {
      if (!declared.has(name)) {
        undeclared.add(name);
        return Promise.reject(new UndeclaredFact(meta.id, name));
      }
      return options.facts.get(name, `check:${meta.id}`);
    }) as CheckContext['fact'],
    signal: controller.signal,
    onCleanup: (label, fn) => options.cleanups.add(`${meta.id}: ${label}`, fn),
    now: options.now,
    waivers: options.waivers,
    report: (input: FindingInput) => {
      if (!open) return; // late reports after a timeout or cancellation are dropped
      findings.push(toFinding(check, input, bugs));
    },
  };

  let timer: NodeJS.Timeout | undefined;
  type Outcome =
    | { kind: 'done' }
    | { kind: 'threw'; error: unknown }
    | { kind: 'timeout' }
    | { kind: 'cancelled' }
    | { kind: 'escaped'; escape: Escape };
  const escaped = Promise.withResolvers<Outcome>();
  options.running?.start(meta.id, (escape) => {
    controller.abort(new Error('an exception escaped the check'));
    escaped.resolve({ kind: 'escaped', escape });
  });
  const stopped = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      resolve({ kind: 'timeout' });
    }, options.timeoutMs);
    if (options.signal.aborted) resolve({ kind: 'cancelled' });
    options.signal.addEventListener('abort', () => resolve({ kind: 'cancelled' }), { once: true });
  });
  const ran = inScope({ kind: 'check', checkId: meta.id }, () => Promise.resolve().then(() => check.run(ctx))).then(
    (): Outcome => ({ kind: 'done' }),
    (error: unknown): Outcome => ({ kind: 'threw', error }),
  );
  const outcome = await Promise.race([ran, stopped, escaped.promise]);
  options.running?.finish(meta.id);
  open = false;
  clearTimeout(timer);
  options.signal.removeEventListener('abort', onRunAbort);

  const refused = [...undeclared].map((fact) =>
    internalError(check, 'engineUndeclaredFact', { checkId: meta.id, fact }, bugs.pluginOfCheck(meta.id), bugs),
  );
  // A check that stopped at the refusal, or finished after catching it, gets the refusal alone:
  // not also "internal error" or "reported nothing".
  if (
    refused.length > 0 &&
    (outcome.kind === 'done' || (outcome.kind === 'threw' && outcome.error instanceof UndeclaredFact))
  )
    return [...findings, ...refused];
  return [...ended(), ...refused];

  function ended(): Finding[] {
    switch (outcome.kind) {
      case 'done':
        return findings.length > 0
          ? findings
          : [internalError(check, 'engineNoFindings', {}, bugs.pluginOfCheck(meta.id), bugs)];
      case 'threw': {
        const error = outcome.error;
        if (error instanceof FactUnavailable)
          return [
            ...findings,
            engineFinding(check, 'skipped', 'engineFactUnavailable', { reason: error.message, fact: error.fact }),
          ];
        const escapedProbe = causeOfType(error, ProbeEscaped);
        if (escapedProbe) return [...findings, probeEscapedFinding(check, escapedProbe, bugs)];
        const message = error instanceof Error ? error.message : String(error);
        return [
          ...findings,
          internalError(check, 'engineThrew', { error: message }, throwingPlugin(check, error, bugs), bugs, {
            stack: stackOf(error),
          }),
        ];
      }
      case 'escaped':
        return [...findings, checkEscapedFinding(check, outcome.escape, bugs)];
      case 'timeout':
        return [...findings, timeoutFinding(check, options)];
      case 'cancelled':
        return [...findings, engineFinding(check, 'skipped', 'engineCancelled', {})];
    }
  }
}

/**
 * A check over --timeout: what it was waiting for (the probes still collecting, with what each
 * was doing), so that the finding names the server that did not answer, and how to go on.
 */
function timeoutFinding(check: Check, options: RunOptions): Finding {
  const seconds = Math.round(options.timeoutMs / 100) / 10;
  const waitingOn = options.facts.waitingOn(`check:${check.meta.id}`);
  const waiting =
    waitingOn.length === 0
      ? 'it was not waiting for a probe: the check itself was still running'
      : `waiting for ${waitingOn.map((w) => (w.progress ? `${w.fact}: ${w.progress}` : w.fact)).join('; ')}`;
  const finding = engineFinding(
    check,
    'error',
    'engineTimeout',
    { seconds, waiting, waitingOn: waitingOn.map((w) => w.fact) },
    waitingOn.length > 0 ? { waitingOn } : undefined,
  );
  return {
    ...finding,
    remediation: {
      summary:
        waitingOn.length > 0
          ? `Find out why ${waitingOn.map((w) => w.fact).join(', ')} did not finish in ${seconds} s`
          : `Allow the check more than ${seconds} s`,
      steps: [
        ...(waitingOn.length > 0
          ? [
              {
                text: `The probe was still at: ${waitingOn.map((w) => `${w.fact}: ${w.progress ?? 'starting'}`).join('; ')}. A server that accepts connections and never answers looks like this; the other findings of this run (ad.connect, storage.portal.reachable, nodes.reachable) name the server and the step when they finished first.`,
              },
            ]
          : []),
        {
          text: `If the servers are only slow (a WAN link, a large directory, many LUNs), run again with a longer limit, e.g. --timeout ${Math.max(Math.ceil(seconds * 2), 120)}; the default is 120 s.`,
        },
      ],
    },
  };
}

function toFinding(check: Check, input: FindingInput, bugs: BugReporting): Finding {
  const { meta } = check;
  const template = meta.messages[input.messageId];
  const plugin = bugs.pluginOfCheck(meta.id);
  if (template === undefined)
    return internalError(check, 'engineUndeclaredMessage', { messageId: input.messageId }, plugin, bugs);
  const validStatuses = ['pass', 'warn', 'fail', 'skipped', 'error'];
  if (!validStatuses.includes(input.status))
    return internalError(
      check,
      'engineBadFinding',
      { problem: `status "${String(input.status)}" is not one of ${validStatuses.join(', ')}` },
      plugin,
      bugs,
    );
  const actionIssues = remediationActionProblems(input.remediation);
  if (actionIssues.length > 0)
    return internalError(check, 'engineBadFinding', { problem: actionIssues.join('; ') }, plugin, bugs);
  const status = input.status === 'fail' && meta.severity === 'warn' ? 'warn' : input.status;
  const data = { ...(input.data ?? {}) };
  return {
    checkId: meta.id,
    area: meta.area,
    status,
    messageId: input.messageId,
    ...(input.subject !== undefined ? { subject: input.subject } : {}),
    message: formatMessage(template, data),
    data,
    ...(input.evidence !== undefined ? { evidence: { ...input.evidence } } : {}),
    ...(input.remediation !== undefined ? { remediation: input.remediation } : {}),
    docs: meta.docs,
  };
}

/** What an engine finding is recorded under: a check, or the run itself (`engine.run`). */
type FindingOwner =
  | Pick<Check, 'meta'>
  | { readonly meta: { readonly id: string; readonly area: string; readonly docs: string } };

/** The owner of findings about the run itself: an exception that escaped while nothing ran. */
export const RUN_OWNER: FindingOwner = { meta: { id: 'engine.run', area: 'engine', docs: 'README.md#exit-codes' } };

function engineFinding(
  check: FindingOwner,
  status: Finding['status'],
  messageId: keyof typeof ENGINE_MESSAGES,
  data: Record<string, unknown>,
  evidence?: Record<string, unknown>,
  remediation?: Remediation,
): Finding {
  const shown = evidence ? Object.fromEntries(Object.entries(evidence).filter(([, v]) => v !== undefined)) : {};
  return {
    checkId: check.meta.id,
    area: check.meta.area,
    status,
    messageId,
    message: formatMessage(ENGINE_MESSAGES[messageId], data),
    data,
    ...(Object.keys(shown).length > 0 ? { evidence: shown } : {}),
    ...(remediation ? { remediation } : {}),
    docs: check.meta.docs,
  };
}

/**
 * An `error` finding for a bug in clusterprobe or a plugin: it names the culprit, says how to
 * report it, and carries a stack only under --debug.
 */
function internalError(
  check: FindingOwner,
  messageId: keyof typeof ENGINE_MESSAGES,
  data: Record<string, unknown>,
  plugin: Culprit,
  bugs: BugReporting,
  evidence: Record<string, unknown> = {},
): Finding {
  const { stack, ...rest } = evidence;
  return engineFinding(
    check,
    'error',
    messageId,
    { ...data, culprit: culpritName(plugin), ...(typeof plugin === 'string' ? { plugin } : {}) },
    { ...rest, ...(bugs.debug && stack !== undefined ? { stack } : {}) },
    bugRemediation(plugin, bugs),
  );
}

/** The finding of a check whose probe (or a probe it builds on) had an exception escape it. */
export function probeEscapedFinding(check: FindingOwner, escaped: ProbeEscaped, bugs: BugReporting): Finding {
  const error = errorLine(escaped.cause);
  const evidence = { probe: escaped.fact, origin: escaped.origin, error, stack: stackOf(escaped.cause) };
  if (!escaped.attributed) {
    const suspects = escaped.suspects.map((f) => `"${f}"`).join(', ');
    return internalError(
      check,
      'engineEscapeUnattributed',
      { fact: escaped.fact, suspects, origin: escaped.origin, error },
      UNKNOWN_CULPRIT,
      bugs,
      { ...evidence, attribution: `not tied to one probe: charged to every probe running at the time (${suspects})` },
    );
  }
  return internalError(
    check,
    'engineProbeEscaped',
    { fact: escaped.fact, origin: escaped.origin, error },
    bugs.pluginOfProbe(escaped.fact),
    bugs,
    evidence,
  );
}

/** The finding of a check whose own asynchronous code let an exception escape. */
export function checkEscapedFinding(check: FindingOwner, escape: Escape, bugs: BugReporting): Finding {
  const error = errorLine(escape.error);
  return internalError(
    check,
    'engineCheckEscaped',
    { origin: escape.origin, error },
    bugs.pluginOfCheck(check.meta.id),
    bugs,
    { origin: escape.origin, error, stack: stackOf(escape.error) },
  );
}

/** The finding for an exception that escaped while no probe or check ran. */
export function runEscapedFinding(escape: Escape, bugs: BugReporting): Finding {
  const error = errorLine(escape.error);
  return internalError(RUN_OWNER, 'engineRunEscaped', { origin: escape.origin, error }, UNKNOWN_CULPRIT, bugs, {
    origin: escape.origin,
    error,
    stack: stackOf(escape.error),
  });
}

/** The first error of type `type` in the `cause` chain of `error`, itself included. */
function causeOfType<T>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (
    let e = error, depth = 0;
    e !== undefined && e !== null && depth < 16;
    e = (e as { cause?: unknown }).cause, depth += 1
  ) {
    if (e instanceof type) return e;
  }
  return undefined;
}

/**
 * Whose code threw: the innermost probe in the chain of ProbeFailed errors (the one whose collect
 * threw), else the check itself.
 */
function throwingPlugin(check: Check, error: unknown, bugs: BugReporting): string | undefined {
  const chain: ProbeFailed[] = [];
  for (let e = error; e instanceof ProbeFailed && chain.length < 16; e = e.cause) chain.push(e);
  // A fact no probe provides is the fault of whoever asked for it: the probe above, or the check.
  const culprit = chain.at(-1)?.missing ? chain.at(-2) : chain.at(-1);
  return culprit ? bugs.pluginOfProbe(culprit.fact) : bugs.pluginOfCheck(check.meta.id);
}
