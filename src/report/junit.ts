/**
 * JUnit XML view of a Report, in the dialect Jenkins' JUnit plugin and GitLab's test reports
 * read: one <testsuite> per area, one <testcase> per finding. fail -> <failure>, error ->
 * <error>, skipped and waived -> <skipped>; warn passes with the warning in <system-out>.
 */
import type { Finding, Report } from '../engine/report.ts';
import { evidenceLines } from './terminal.ts';

export function renderJunit(report: Report): string {
  const areas = [...new Set(report.findings.map((f) => f.area))];
  const seconds = (report.durationMs / 1000).toFixed(3);
  const total = counts(report.findings);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="clusterprobe" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds}">`,
  );
  for (const area of areas) {
    const findings = report.findings.filter((f) => f.area === area);
    const n = counts(findings);
    out.push(
      `  <testsuite name="${attr(area)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="0" timestamp="${attr(report.startedAt.replace(/\.\d+Z$/, ''))}">`,
    );
    for (const f of findings) out.push(...testcase(f));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function counts(findings: readonly Finding[]) {
  return {
    tests: findings.length,
    failures: findings.filter((f) => f.status === 'fail').length,
    errors: findings.filter((f) => f.status === 'error').length,
    skipped: findings.filter((f) => f.status === 'skipped' || f.status === 'waived').length,
  };
}

function testcase(f: Finding): string[] {
  const name = f.subject !== undefined ? `${f.checkId} [${f.subject}]` : f.checkId;
  const open = `    <testcase classname="${attr(`clusterprobe.${f.checkId}`)}" name="${attr(name)}" time="0"`;
  switch (f.status) {
    case 'pass':
      return [`${open}/>`];
    case 'fail':
    case 'error': {
      const tag = f.status === 'fail' ? 'failure' : 'error';
      return [
        `${open}>`,
        `      <${tag} message="${attr(f.message)}" type="${attr(f.messageId)}">${text(body(f))}</${tag}>`,
        '    </testcase>',
      ];
    }
    case 'skipped':
      return [`${open}>`, `      <skipped message="${attr(f.message)}"/>`, '    </testcase>'];
    case 'waived':
      return [
        `${open}>`,
        `      <skipped message="${attr(`waived until ${f.waiver?.expires ?? '?'}: ${f.waiver?.justification ?? ''} (${f.message})`)}"/>`,
        '    </testcase>',
      ];
    case 'warn':
      return [`${open}>`, `      <system-out>${text(`WARNING: ${body(f)}`)}</system-out>`, '    </testcase>'];
  }
}

function body(f: Finding): string {
  const lines = [f.message];
  if (f.evidence) lines.push('', 'Evidence:', ...evidenceLines(f.evidence, 400).map((l) => `  ${l}`));
  if (f.remediation) {
    lines.push('', `Fix: ${f.remediation.summary}`);
    f.remediation.steps.forEach((s, i) => {
      lines.push(`  ${i + 1}. ${s.text}`);
      for (const c of s.commands ?? []) lines.push(`     [${c.shell}${c.runOn ? ` on ${c.runOn}` : ''}] ${c.command}`);
    });
  }
  if (f.docs) lines.push('', `Docs: ${f.docs}`);
  return lines.join('\n');
}

/** Characters XML 1.0 cannot carry at all (garbage from a server must not break the file). */
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
