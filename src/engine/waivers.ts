/**
 * Waivers: when one is in force, and the findings it turns into `waived`. A module of its own so
 * that the config.waivers.expiry check reads the same rule without importing the runner.
 */
import type { Finding } from './report.ts';
import type { Waiver } from '../config/schema.ts';
import { globMatch } from './registry.ts';

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
        (w.subject === undefined ||
          (f.subject !== undefined && globMatch(w.subject.toLowerCase(), f.subject.toLowerCase()))),
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
