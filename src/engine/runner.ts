/**
 * Runs checks: bounded concurrency, a time limit per check, cancellation, and the rule that a
 * check that throws, times out or reports nothing records `error` while the run goes on.
 */
import { formatMessage, type Check, type CheckContext, type FindingInput } from './contract.ts';
import { FactUnavailable, type FactStore } from './facts.ts';
import type { Cleanups } from './cleanup.ts';
import type { Finding } from './report.ts';
import type { Waiver } from '../config/schema.ts';
import { globMatch } from './registry.ts';

/** Messages the engine itself reports on a check's behalf. */
export const ENGINE_MESSAGES = {
  engineThrew: 'The check failed with an internal error: {error}',
  engineTimeout: 'The check did not finish within {seconds} s and was stopped',
  engineNoFindings: 'The check finished without reporting anything',
  engineUndeclaredMessage: 'The check reported message id "{messageId}", which its meta does not declare',
  engineBadFinding: 'The check reported a malformed finding: {problem}',
  engineCancelled: 'The run was interrupted before this check finished',
  engineFactUnavailable: 'Not evaluated: {reason}',
} as const;

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
  const findings: Finding[] = [];
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onRunAbort, { once: true });
  let open = true;

  const ctx: CheckContext = {
    checkId: meta.id,
    fact: (name) => options.facts.get(name) as never,
    signal: controller.signal,
    onCleanup: (label, fn) => options.cleanups.add(`${meta.id}: ${label}`, fn),
    now: options.now,
    waivers: options.waivers,
    report: (input: FindingInput) => {
      if (!open) return; // late reports after a timeout or cancellation are dropped
      findings.push(toFinding(check, input));
    },
  };

  let timer: NodeJS.Timeout | undefined;
  type Outcome = { kind: 'done' } | { kind: 'threw'; error: unknown } | { kind: 'timeout' } | { kind: 'cancelled' };
  const stopped = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      resolve({ kind: 'timeout' });
    }, options.timeoutMs);
    if (options.signal.aborted) resolve({ kind: 'cancelled' });
    options.signal.addEventListener('abort', () => resolve({ kind: 'cancelled' }), { once: true });
  });
  const ran = Promise.resolve()
    .then(() => check.run(ctx))
    .then(
      (): Outcome => ({ kind: 'done' }),
      (error: unknown): Outcome => ({ kind: 'threw', error }),
    );
  const outcome = await Promise.race([ran, stopped]);
  open = false;
  clearTimeout(timer);
  options.signal.removeEventListener('abort', onRunAbort);

  switch (outcome.kind) {
    case 'done':
      return findings.length > 0 ? findings : [engineFinding(check, 'error', 'engineNoFindings', {})];
    case 'threw': {
      const error = outcome.error;
      if (error instanceof FactUnavailable) return [...findings, engineFinding(check, 'skipped', 'engineFactUnavailable', { reason: error.message, fact: error.fact })];
      const message = error instanceof Error ? error.message : String(error);
      return [...findings, engineFinding(check, 'error', 'engineThrew', { error: message }, { stack: error instanceof Error ? error.stack?.split('\n').slice(0, 6).join('\n') : undefined })];
    }
    case 'timeout':
      return [...findings, engineFinding(check, 'error', 'engineTimeout', { seconds: Math.round(options.timeoutMs / 100) / 10 })];
    case 'cancelled':
      return [...findings, engineFinding(check, 'skipped', 'engineCancelled', {})];
  }
}

function toFinding(check: Check, input: FindingInput): Finding {
  const { meta } = check;
  const template = meta.messages[input.messageId];
  if (template === undefined) return engineFinding(check, 'error', 'engineUndeclaredMessage', { messageId: input.messageId });
  const validStatuses = ['pass', 'warn', 'fail', 'skipped', 'error'];
  if (!validStatuses.includes(input.status)) return engineFinding(check, 'error', 'engineBadFinding', { problem: `status "${String(input.status)}" is not one of ${validStatuses.join(', ')}` });
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

function engineFinding(check: Check, status: Finding['status'], messageId: keyof typeof ENGINE_MESSAGES, data: Record<string, unknown>, evidence?: Record<string, unknown>): Finding {
  return {
    checkId: check.meta.id,
    area: check.meta.area,
    status,
    messageId,
    message: formatMessage(ENGINE_MESSAGES[messageId], data),
    data,
    ...(evidence && Object.values(evidence).some((v) => v !== undefined) ? { evidence } : {}),
    docs: check.meta.docs,
  };
}

/** Expiry is inclusive: a waiver that `expires: 2026-12-31` applies through that UTC day. */
export function waiverActive(waiver: Waiver, now: Date): boolean {
  return now.getTime() < Date.parse(`${waiver.expires}T00:00:00Z`) + 24 * 3600 * 1000;
}

/** Findings no waiver may hide: the warning that a waiver expired. */
const UNWAIVABLE = new Set(['config.waivers.expiry']);

/**
 * Turns matching warn/fail findings into `waived` while the waiver is in force. The check is a
 * glob over ids; the subject, when given, a case-insensitive glob (NetBIOS and host names ignore
 * case).
 */
export function applyWaivers(findings: readonly Finding[], waivers: readonly Waiver[], now: Date): Finding[] {
  return findings.map((f) => {
    if ((f.status !== 'fail' && f.status !== 'warn') || UNWAIVABLE.has(f.checkId)) return f;
    const waiver = waivers.find(
      (w) =>
        waiverActive(w, now) &&
        globMatch(w.check, f.checkId) &&
        (w.subject === undefined || (f.subject !== undefined && globMatch(w.subject.toLowerCase(), f.subject.toLowerCase()))),
    );
    if (!waiver) return f;
    return {
      ...f,
      status: 'waived',
      waiver: {
        check: waiver.check,
        ...(waiver.subject !== undefined ? { subject: waiver.subject } : {}),
        justification: waiver.justification,
        expires: waiver.expires,
        originalStatus: f.status,
      },
    };
  });
}
