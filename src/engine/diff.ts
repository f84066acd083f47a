/**
 * The baseline diff: this run's findings against a saved earlier Report, keyed by check id and
 * subject (DESIGN.md: engine/ holds the baseline diff). Pure.
 *
 * Several findings can share a key (ad.connect reports `connected` and `insecure` for one
 * server): within a key, a finding is paired with the earlier one of the same messageId first,
 * then with the earlier ones left, in order.
 */
import {
  CHANGES,
  type Change,
  type Diff,
  type DiffEntry,
  type Finding,
  type FindingStatus,
  type Report,
} from './report.ts';

function keyOf(f: Pick<Finding, 'checkId' | 'subject'>): string {
  return `${f.checkId}\u0000${f.subject ?? ''}`;
}

/** How bad a status is for the diff; a waived finding counts as what it was before the waiver. */
function rank(f: Pick<Finding, 'status' | 'waiver'>): number | null {
  const status: FindingStatus = f.status === 'waived' && f.waiver ? f.waiver.originalStatus : f.status;
  if (status === 'skipped') return null;
  return status === 'pass' ? 0 : status === 'warn' ? 1 : 2;
}

function changeOf(before: Finding, now: Finding): Change {
  if (before.status === now.status) return 'unchanged';
  const [b, n] = [rank(before), rank(now)];
  if (b === null || n === null) return 'changed';
  if (n > b) return 'regressed';
  if (n === 0 && b > 0) return 'fixed';
  return b === n ? 'unchanged' : 'changed';
}

export function diffReports(current: Report, baseline: Report): Diff {
  const earlier = new Map<string, { f: Finding; used: boolean }[]>();
  for (const f of baseline.findings) {
    const k = keyOf(f);
    earlier.set(k, [...(earlier.get(k) ?? []), { f, used: false }]);
  }
  const entries: DiffEntry[] = [];
  current.findings.forEach((f, index) => {
    const candidates = earlier.get(keyOf(f)) ?? [];
    const match = candidates.find((c) => !c.used && c.f.messageId === f.messageId) ?? candidates.find((c) => !c.used);
    const base = {
      checkId: f.checkId,
      ...(f.subject !== undefined ? { subject: f.subject } : {}),
      messageId: f.messageId,
      status: f.status,
      finding: index,
    };
    if (!match) {
      entries.push({ change: 'new', ...base });
      return;
    }
    match.used = true;
    entries.push({
      change: changeOf(match.f, f),
      ...base,
      previousStatus: match.f.status,
      ...(match.f.messageId !== f.messageId ? { previousMessageId: match.f.messageId } : {}),
    });
  });
  // Earlier findings nobody paired with: gone, but only for checks that ran again (a check left
  // out with --only this time says nothing about its subjects).
  const ranNow = new Set(current.findings.map((f) => f.checkId));
  for (const list of earlier.values()) {
    for (const { f, used } of list) {
      if (used || !ranNow.has(f.checkId)) continue;
      entries.push({
        change: 'gone',
        checkId: f.checkId,
        ...(f.subject !== undefined ? { subject: f.subject } : {}),
        messageId: f.messageId,
        previousStatus: f.status,
      });
    }
  }
  const counts = Object.fromEntries(
    CHANGES.map((c) => [c, entries.filter((e) => e.change === c).length]),
  ) as Diff['counts'];
  return {
    baseline: { startedAt: baseline.startedAt, toolVersion: baseline.tool.version, verdict: baseline.verdict },
    counts,
    entries,
  };
}
