/**
 * The terminal view of a Report: findings grouped by area, problems first, each failure with its
 * evidence and numbered remediation steps with the exact commands, and a one-line summary.
 * Pure: `(report, chalk) => string`; colour is decided by the caller (see ./color.ts).
 */
import type { ChalkInstance } from 'chalk';
import type { Finding, FindingStatus, Report, Shell } from '../engine/report.ts';
import { compareStatus } from './status.ts';

const LABEL: Record<FindingStatus, string> = {
  error: 'ERROR',
  fail: 'FAIL',
  warn: 'WARN',
  waived: 'WAIVED',
  skipped: 'SKIP',
  pass: 'PASS',
};
const PROMPT: Record<Shell, string> = { powershell: 'PS>', cmd: 'C:\\>', sh: '$' };

export interface TerminalOptions {
  /** Show evidence for passing findings too. */
  readonly verbose?: boolean;
}

export function renderTerminal(report: Report, c: ChalkInstance, options: TerminalOptions = {}): string {
  const paint: Record<FindingStatus, (s: string) => string> = {
    error: (s) => c.magenta.bold(s),
    fail: (s) => c.red.bold(s),
    warn: (s) => c.yellow.bold(s),
    waived: (s) => c.cyan(s),
    skipped: (s) => c.gray(s),
    pass: (s) => c.green(s),
  };
  const lines: string[] = [];
  lines.push(c.bold(header(report)));

  const areas = [...new Set(report.findings.map((f) => f.area))];
  for (const area of areas) {
    lines.push('', c.bold.underline(area.toUpperCase()));
    const findings = report.findings
      .filter((f) => f.area === area)
      .map((f, i) => ({ f, i }))
      .sort((a, b) => compareStatus(a.f.status, b.f.status) || a.i - b.i)
      .map(({ f }) => f);
    for (const f of findings) {
      const label = paint[f.status](LABEL[f.status].padEnd(6));
      lines.push(
        `  ${label} ${c.bold(f.checkId)}${f.subject !== undefined ? ` ${c.dim('·')} ${clean(f.subject)}` : ''}`,
      );
      lines.push(`         ${clean(f.message)}`);
      const detailed = f.status !== 'pass' || options.verbose === true;
      if (f.waiver)
        lines.push(
          c.cyan(
            `         waived until ${f.waiver.expires} (was ${f.waiver.originalStatus}): ${clean(f.waiver.justification)}`,
          ),
        );
      if (detailed && f.status !== 'skipped' && f.evidence && Object.keys(f.evidence).length > 0) {
        lines.push(c.dim('         Evidence:'));
        for (const line of evidenceLines(f.evidence)) lines.push(c.dim(`           ${clean(line)}`));
      }
      if (detailed && f.remediation && f.status !== 'waived') lines.push(...remediationLines(f, c));
      if (detailed && f.status !== 'skipped' && f.docs) lines.push(c.dim(`         Docs: ${f.docs}`));
    }
  }
  if (report.diff) lines.push('', ...diffLines(report, c));
  lines.push('', summaryLine(report, c, paint));
  return `${lines.join('\n')}\n`;
}

function header(report: Report): string {
  const { cluster } = report;
  const parts = [`clusterprobe ${report.tool.version}`];
  if (cluster.name)
    parts.push(`cluster ${cluster.name}${cluster.windowsVersion ? ` (Windows Server ${cluster.windowsVersion})` : ''}`);
  if (cluster.nodes.length)
    parts.push(`${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'}: ${cluster.nodes.join(', ')}`);
  if (cluster.domain) parts.push(`domain ${cluster.domain}`);
  if (cluster.portals.length) parts.push(`portals ${cluster.portals.join(', ')}`);
  if (report.offline) parts.push('offline (saved facts)');
  return parts.join(' · ');
}

function remediationLines(f: Finding, c: ChalkInstance): string[] {
  const r = f.remediation!;
  const out = [`         ${c.bold('Fix:')} ${clean(r.summary)}`];
  r.steps.forEach((step, i) => {
    out.push(`           ${i + 1}. ${clean(step.text)}`);
    for (const cmd of step.commands ?? []) {
      const where = cmd.runOn ? c.dim(`  (on ${clean(cmd.runOn)})`) : '';
      out.push(`              ${c.dim(PROMPT[cmd.shell])} ${c.bold(clean(cmd.command))}${where}`);
    }
  });
  return out;
}

/**
 * Makes text from servers, configs and plugins safe for a terminal: control characters (an ESC
 * could rewrite the screen or hide a line) are shown as \xNN escapes, line breaks as ⏎.
 */
export function clean(text: string): string {
  return text
    .replace(/\r?\n/g, ' ⏎ ')
    .replace(
      /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g,
      (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}

/** Flattens evidence into `key: value` lines; nested values are shown as compact JSON. */
export function evidenceLines(evidence: Readonly<Record<string, unknown>>, maxWidth = 160): string[] {
  return Object.entries(evidence).map(([key, value]) => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    const oneLine = text.replace(/\s*\n\s*/g, ' ⏎ ');
    return `${key}: ${oneLine.length > maxWidth ? `${oneLine.slice(0, maxWidth - 1)}…` : oneLine}`;
  });
}

/** The baseline diff: counts, then each regressed, new, fixed, changed and gone finding (at most 20 of each). */
function diffLines(report: Report, c: ChalkInstance): string[] {
  const diff = report.diff!;
  const n = diff.counts;
  const out = [
    c.bold(`SINCE THE RUN OF ${diff.baseline.startedAt}`) +
      ` (verdict ${diff.baseline.verdict}): ${n.regressed} regressed, ${n.new} new, ${n.fixed} fixed, ${n.changed} changed, ${n.unchanged} unchanged, ${n.gone} gone`,
  ];
  const mark: Record<string, (s: string) => string> = {
    regressed: (s) => c.red.bold(s),
    new: (s) => c.red(s),
    fixed: (s) => c.green(s),
    changed: (s) => c.yellow(s),
    gone: (s) => c.gray(s),
  };
  for (const change of ['regressed', 'new', 'fixed', 'changed', 'gone'] as const) {
    const entries = diff.entries.filter((e) => e.change === change);
    for (const e of entries.slice(0, 20)) {
      const transition =
        e.previousStatus && e.status ? `${e.previousStatus} -> ${e.status}` : (e.status ?? e.previousStatus ?? '');
      out.push(
        `  ${mark[change]!(change.toUpperCase().padEnd(9))} ${e.checkId}${e.subject !== undefined ? ` · ${clean(e.subject)}` : ''} (${transition})`,
      );
    }
    if (entries.length > 20) out.push(c.dim(`  ... and ${entries.length - 20} more ${change} (see --json or --html)`));
  }
  return out;
}

function summaryLine(report: Report, c: ChalkInstance, paint: Record<FindingStatus, (s: string) => string>): string {
  const s = report.summary;
  const verdict =
    report.verdict === 'cancelled'
      ? c.magenta.bold('INTERRUPTED')
      : report.verdict === 'pass'
        ? paint.pass('PASS')
        : paint[report.verdict](report.verdict.toUpperCase());
  const counts = [
    `${s.fail} failed`,
    `${s.warn} warning${s.warn === 1 ? '' : 's'}`,
    `${s.pass} passed`,
    `${s.skipped} skipped`,
    `${s.error} error${s.error === 1 ? '' : 's'}`,
    `${s.waived} waived`,
  ].join(', ');
  return `${verdict} ${counts} ${c.dim(`(${(report.durationMs / 1000).toFixed(1)} s)`)}`;
}
