/**
 * The terminal view of a Report: findings grouped by area, problems first, each failure with its
 * evidence and numbered remediation steps with the exact commands, the plan ("What to do, in
 * order"), and a one-line summary.
 * Pure: `(report, chalk) => string`; colour is decided by the caller (see ./color.ts).
 */
import type { ChalkInstance } from 'chalk';
import type { Finding, FindingStatus, Report, Shell } from '../engine/report.ts';
import { compareStatus } from './status.ts';
import { columns, commandLines, DEFAULT_WIDTH, MIN_WIDTH, wrapHanging } from './wrap.ts';
import { actionFlags, outsideText, planCounts, planHeading, resolvedText, runsOnText } from './plan-view.ts';

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
  /**
   * The width to wrap to, in columns: the terminal's (see `terminalWidth` in ./wrap.ts); 100 when
   * not given (a pipe, a file). Commands are never broken, so a longer one exceeds it.
   */
  readonly width?: number;
}

/** Indents of the finding block: the label, then the text under the check id, then the evidence and steps. */
const I1 = '  ';
const I2 = ' '.repeat(9);
const I3 = ' '.repeat(11);

export function renderTerminal(report: Report, c: ChalkInstance, options: TerminalOptions = {}): string {
  const width = Math.max(options.width ?? DEFAULT_WIDTH, MIN_WIDTH);
  const paint: Record<FindingStatus, (s: string) => string> = {
    error: (s) => c.magenta.bold(s),
    fail: (s) => c.red.bold(s),
    warn: (s) => c.yellow.bold(s),
    waived: (s) => c.cyan(s),
    skipped: (s) => c.gray(s),
    pass: (s) => c.green(s),
  };
  const dim = (s: string) => c.dim(s);
  const lines: string[] = [];
  lines.push(...packParts(header(report), width).map((s) => c.bold(s)));

  const areas = [...new Set(report.findings.map((f) => f.area))];
  for (const area of areas) {
    lines.push('', c.bold.underline(area.toUpperCase()));
    const findings = report.findings
      .filter((f) => f.area === area)
      .map((f, i) => ({ f, i }))
      .sort((a, b) => compareStatus(a.f.status, b.f.status) || a.i - b.i)
      .map(({ f }) => f);
    for (const group of foldSkips(findings)) {
      const f = group[0]!;
      const label = `${I1}${paint[f.status](LABEL[f.status].padEnd(6))} `;
      const names = group.map((g) => `${g.checkId}${g.subject !== undefined ? ` · ${clean(g.subject)}` : ''}`);
      // Bold the check ids, dim the separators: after wrapping, so that no colour code is split.
      // A check id starts the list or follows a comma (a line may end with the comma); a subject
      // follows a " · ".
      const ids = new Set(group.map((g) => g.checkId));
      const title = (line: string) =>
        line
          .split(/( · |,(?: |$))/)
          .map((part, i, parts) =>
            part === ' · '
              ? dim(part)
              : (i === 0 || parts[i - 1]!.startsWith(',')) && ids.has(part)
                ? c.bold(part)
                : part,
          )
          .join('');
      lines.push(...wrapHanging(label, I2, names.join(', '), width, title));
      lines.push(...wrapHanging(I2, I2, clean(f.message), width));
      const detailed = f.status !== 'pass' || options.verbose === true;
      if (f.waiver)
        lines.push(
          ...wrapHanging(
            I2,
            I3,
            `waived until ${f.waiver.expires} (was ${f.waiver.originalStatus}): ${clean(f.waiver.justification)}`,
            width,
            (s) => c.cyan(s),
          ),
        );
      if (detailed && f.status !== 'skipped' && f.evidence && Object.keys(f.evidence).length > 0) {
        lines.push(dim(`${I2}Evidence:`));
        lines.push(...evidenceBlock(f.evidence, width, dim));
      }
      if (detailed && f.remediation && f.status !== 'waived') lines.push(...remediationLines(f, c, width));
      if (detailed && f.status !== 'skipped' && f.docs)
        lines.push(...wrapHanging(I2, I3, `Docs: ${f.docs}`, width, dim));
    }
  }
  if (report.diff) lines.push('', ...diffLines(report, c, width));
  const plan = planLines(report, c, width);
  if (plan.length > 0) lines.push('', ...plan);
  lines.push('', ...wrapHanging('', I1, summaryLine(report, c, paint), width));
  return `${lines.join('\n')}\n`;
}

/**
 * Groups the findings of one area for display: skipped findings that say the same (message and
 * remediation) fold into one group, shown once at the place of the first; every other finding is
 * a group of one.
 */
function foldSkips(findings: readonly Finding[]): Finding[][] {
  const groups: Finding[][] = [];
  const bySkip = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.status !== 'skipped' || f.waiver) {
      groups.push([f]);
      continue;
    }
    const key = JSON.stringify([f.message, f.remediation ?? null]);
    const group = bySkip.get(key);
    if (group) group.push(f);
    else {
      const fresh = [f];
      bySkip.set(key, fresh);
      groups.push(fresh);
    }
  }
  return groups;
}

function header(report: Report): string[] {
  const { cluster } = report;
  const parts = [`clusterprobe ${report.tool.version}`];
  if (cluster.name)
    parts.push(`cluster ${cluster.name}${cluster.windowsVersion ? ` (Windows Server ${cluster.windowsVersion})` : ''}`);
  if (cluster.nodes.length)
    parts.push(`${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'}: ${cluster.nodes.join(', ')}`);
  if (cluster.domain) parts.push(`domain ${cluster.domain}`);
  if (cluster.portals.length) parts.push(`portals ${cluster.portals.join(', ')}`);
  if (report.offline) parts.push('offline (saved facts)');
  return parts.map(clean);
}

/**
 * Parts joined with " · ", a line break only between parts where one fits (the continuation lines
 * indented); a part longer than a line is wrapped on its own.
 */
function packParts(parts: readonly string[], width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const part of parts) {
    const joined = line === '' ? part : `${line} · ${part}`;
    if (columns(joined) <= width || line === '') {
      line = joined;
      continue;
    }
    out.push(line);
    line = `${I1}${part}`;
  }
  if (line !== '') out.push(line);
  return out.flatMap((l, i) => (columns(l) <= width ? [l] : wrapHanging(i === 0 ? '' : I1, I1, l, width)));
}

function remediationLines(f: Finding, c: ChalkInstance, width: number): string[] {
  const r = f.remediation!;
  const out = wrapHanging(`${I2}${c.bold('Fix:')} `, I3, clean(r.summary), width);
  r.steps.forEach((step, i) => {
    const n = `${I3}${i + 1}. `;
    out.push(...wrapHanging(n, ' '.repeat(n.length), clean(step.text), width));
    for (const cmd of step.commands ?? []) {
      const where = cmd.runOn ? c.dim(`(on ${clean(cmd.runOn)})`) : '';
      out.push(
        ...commandLines(' '.repeat(n.length), I1, c.dim(PROMPT[cmd.shell]), c.bold(clean(cmd.command)), where, width),
      );
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

/** One step of a persistent-reservation sequence as `storage.pr.support` records it in `evidence.steps`. */
interface SequenceStep {
  readonly step: string;
  readonly by: string;
  readonly command?: string;
  readonly ok: boolean;
  readonly expected?: string;
  readonly got?: string;
}

function isSequence(value: unknown): value is readonly SequenceStep[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as SequenceStep).step === 'string' &&
        typeof (s as SequenceStep).by === 'string' &&
        typeof (s as SequenceStep).ok === 'boolean',
    )
  );
}

/**
 * The evidence of a finding, wrapped: `key: value` lines with a hanging indent, except a sequence
 * of steps (`steps`: the PR sequence), which is a table of step, identity and result, the
 * identities (`identities`: A and B) named above it.
 */
function evidenceBlock(
  evidence: Readonly<Record<string, unknown>>,
  width: number,
  dim: (s: string) => string,
): string[] {
  const out: string[] = [];
  const steps = evidence.steps;
  const table = isSequence(steps);
  const rest = Object.fromEntries(Object.entries(evidence).filter(([k]) => !(table && k === 'steps')));
  const identities = evidence.identities;
  const named = table && isStringRecord(identities);
  for (const [key, value] of Object.entries(rest)) {
    if (named && key === 'identities') {
      out.push(dim(`${I3}identities:`));
      for (const [id, name] of Object.entries(identities))
        out.push(
          ...wrapHanging(
            `${I3}  ${clean(id)}  `,
            `${I3}  ${' '.repeat(columns(clean(id)) + 2)}`,
            clean(name),
            width,
            dim,
          ),
        );
      continue;
    }
    const text = (typeof value === 'string' ? value : spacedJson(value)).replace(/\s*\n\s*/g, ' ⏎ ');
    const shown = text.length > EVIDENCE_CHARS ? `${text.slice(0, EVIDENCE_CHARS - 1)}…` : text;
    out.push(...wrapHanging(I3, `${I3}  `, clean(`${key}: ${shown}`), width, dim));
  }
  if (table) out.push(...sequenceTable(steps, width, dim));
  return out;
}

/** How much of one evidence value the terminal shows (wrapped); --json and --html have it all. */
const EVIDENCE_CHARS = 320;

function isStringRecord(value: unknown): value is Readonly<Record<string, string>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** JSON with a space after each comma and colon, so that wrapping breaks between values, not inside one. */
function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${spacedJson(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value) ?? String(value);
}

function sequenceTable(steps: readonly SequenceStep[], width: number, dim: (s: string) => string): string[] {
  const rows = steps.map((s, i) => ({
    n: String(i + 1),
    step: clean(s.step),
    by: clean(s.by),
    result: clean(
      s.ok
        ? s.got === undefined || s.got === 'as expected'
          ? 'ok'
          : `ok: ${s.got}`
        : `FAILED${s.command ? ` ${s.command}` : ''}: expected ${s.expected ?? '?'}, got ${s.got ?? '?'}`,
    ),
  }));
  const wn = Math.max(1, ...rows.map((r) => columns(r.n)));
  const ws = Math.max(4, ...rows.map((r) => columns(r.step)));
  const wb = Math.max(2, ...rows.map((r) => columns(r.by)));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(w - columns(s), 0));
  const lead = `${I3}${pad('#', wn)}  ${pad('step', ws)}  ${pad('by', wb)}  `;
  const out = [dim(`${I3}steps (${steps.length}):`), dim(`${lead}result`)];
  for (const r of rows) {
    const first = `${I3}${pad(r.n, wn)}  ${pad(r.step, ws)}  ${pad(r.by, wb)}  `;
    out.push(
      ...wrapHanging(first, ' '.repeat(columns(lead)), r.result, width, dim).map((l) =>
        l.startsWith(first) ? dim(first) + l.slice(first.length) : l,
      ),
    );
  }
  return out;
}

/** The baseline diff: counts, then each regressed, new, fixed, changed and gone finding (at most 20 of each). */
function diffLines(report: Report, c: ChalkInstance, width: number): string[] {
  const diff = report.diff!;
  const n = diff.counts;
  const title = `SINCE THE RUN OF ${diff.baseline.startedAt} (verdict ${diff.baseline.verdict}):`;
  const counts = `${n.regressed} regressed, ${n.new} new, ${n.fixed} fixed, ${n.changed} changed, ${n.unchanged} unchanged, ${n.gone} gone`;
  // The counts stay together: after the title when they fit there, else on the next line.
  const out =
    columns(`${title} ${counts}`) <= width
      ? [`${c.bold(title)} ${counts}`]
      : [c.bold(title), ...wrapHanging(I1, I1, counts, width)];
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
        ...wrapHanging(
          `${I1}${mark[change]!(change.toUpperCase().padEnd(9))} `,
          ' '.repeat(12),
          `${e.checkId}${e.subject !== undefined ? ` · ${clean(e.subject)}` : ''} (${transition})`,
          width,
        ),
      );
    }
    if (entries.length > 20)
      out.push(c.dim(`${I1}... and ${entries.length - 20} more ${change} (see --json or --html)`));
  }
  return out;
}

/**
 * "What to do, in order": each action of the plan, numbered, with where it runs, what to know
 * before (restart, irreversible, disruption) and the findings it clears; no commands (the findings
 * above carry them, and `clusterprobe fix` writes the script). A plan that could not be ordered is
 * one warning line; no plan, or one with no action, prints nothing.
 */
function planLines(report: Report, c: ChalkInstance, width: number): string[] {
  const plan = report.plan;
  if (!plan) return [];
  const title = 'What to do, in order';
  if (plan.error !== undefined)
    return wrapHanging(
      `${c.yellow.bold('WARN')} `,
      I1,
      `${title}: no order could be given: ${clean(plan.error)}`,
      width,
    );
  if (plan.actions.length === 0) return [];
  const counts = planCounts(report);
  const out = wrapHanging(`${c.bold.underline(title)} `, I1, `(${planHeading(counts)})`, width);
  const digits = String(plan.actions.length).length;
  plan.actions.forEach((action, i) => {
    const n = `${I1}${String(i + 1).padStart(digits)}. `;
    const under = ' '.repeat(columns(n));
    out.push(...wrapHanging(n, under, clean(action.title), width, (s) => c.bold(s)));
    const flags = actionFlags(action).map((f) => f.text);
    // A no-break space keeps a check id and its subject on one line.
    const clears = [...new Set(action.resolves.map((r) => clean(resolvedText(r, '\u00a0'))))];
    const where = [clean(runsOnText(action.runsOn)), ...flags].join(', ');
    // Coloured after wrapping, so that no code counts as width or is split (a flag a break splits stays plain).
    const paint = (line: string) => flags.reduce((l, f) => l.split(f).join(c.yellow(f)), line);
    out.push(...wrapHanging(under, under, `${where}; clears ${clears.join(', ')}`, width, paint));
  });
  const outside = outsideText(counts);
  if (outside !== undefined) out.push(...wrapHanging(I1, I1, outside, width));
  out.push(
    ...wrapHanging(
      I1,
      I1,
      'clusterprobe fix --from report.json (this report saved with --json) writes a script that applies it.',
      width,
      (s) => c.dim(s),
    ),
  );
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
