/**
 * The fix scripts of a report (`clusterprobe fix`), checked the way the shells would: the
 * PowerShell one through the PowerShell grammar (test/helpers/shell-syntax.ts, with its added
 * rules), the sh one through `sh -n` (dash) and shellcheck. Used by runCheck, so that every plan
 * the check tests produce (their hostile replays included) gives scripts that parse, and by the
 * fix tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan } from '../../src/engine/plan.ts';
import type { Finding, Report } from '../../src/engine/report.ts';
import { renderPowerShellFix } from '../../src/report/fix-powershell.ts';
import { renderShFix } from '../../src/report/fix-sh.ts';
import { selectActions } from '../../src/report/fix-script.ts';
import { markerLeaks, powershellProblems, SHELLCHECK_IGNORED, shellcheck, shLiteralSpans } from './shell-syntax.ts';

const shVerdicts = new Map<string, string[]>();

/**
 * The script with the inside of every single-quoted string and comment (shellcheck directives
 * kept) made the same: shellcheck's verdict on the code does not depend on them (the comments it
 * makes on their contents are the ignored ones), so scripts that differ only there (the same
 * plan for other names) are checked once. A value that escaped its quotes changes the skeleton.
 */
function skeleton(script: string): string {
  let out = '';
  let at = 0;
  for (const [a, b] of shLiteralSpans(script).literal) {
    const span = script.slice(a, b);
    out += script.slice(at, a) + (span.startsWith("'") ? "'x'" : span.startsWith('# shellcheck') ? span : '#');
    at = b;
  }
  return out + script.slice(at);
}

/**
 * What `sh -n` and shellcheck say of an sh script (empty: nothing), shellcheck's comments that
 * are not problems for quoted values left out as for remediation commands (SHELLCHECK_IGNORED).
 */
export function shScriptProblems(script: string): string[] {
  const key = skeleton(script);
  const known = shVerdicts.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'cp-fix-'));
  try {
    const file = join(dir, 'fix.sh');
    writeFileSync(file, script);
    const syntax = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
    const problems = syntax.status === 0 ? [] : [`sh -n: ${syntax.stderr.trim()}`];
    for (const c of shellcheck(script))
      if (!SHELLCHECK_IGNORED.has(c.code))
        problems.push(
          `shellcheck SC${c.code} (${c.level}) line ${c.line}: ${c.message}: ${script.split('\n')[c.line - 1]}`,
        );
    shVerdicts.set(key, problems);
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both fix scripts of `report` (its whole plan). */
export function fixScripts(report: Report): { powershell: string; sh: string } {
  const entries = selectActions(report, undefined);
  return { powershell: renderPowerShellFix(report, entries, 'run.json'), sh: renderShFix(report, entries, 'run.json') };
}

/**
 * The problems of both fix scripts of `report`; with `marker`, also every place the marker (the
 * recognisable part of a hostile value) stands outside a quoted string or a comment.
 */
export async function fixScriptProblems(report: Report, marker?: string): Promise<string[]> {
  const { powershell, sh } = fixScripts(report);
  const ps = [
    ...(await powershellProblems(powershell)),
    ...(marker ? await markerLeaks('powershell', powershell, marker) : []),
  ];
  const shell = [...shScriptProblems(sh), ...(marker ? await markerLeaks('sh', sh, marker) : [])];
  return [...ps.map((p) => `PowerShell fix script: ${p}`), ...shell.map((p) => `sh fix script: ${p}`)];
}

/** A minimal report around these findings, with their plan: what the fix scripts are written from. */
export function reportOf(findings: readonly Finding[], cluster: Partial<Report['cluster']> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'clusterprobe', version: '0.0.0-test' },
    startedAt: '2026-06-15T12:00:00.000Z',
    durationMs: 1,
    verdict: 'fail',
    cancelled: false,
    offline: true,
    cluster: { nodes: [], portals: [], ...cluster },
    summary: { pass: 0, warn: 0, fail: 0, skipped: 0, error: 0, waived: 0 },
    findings: [...findings],
    plan: buildPlan(findings),
  };
}
