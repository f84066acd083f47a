/** The body of `clusterprobe report`: load, diff, render. Loaded only when the command runs. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadReport } from '../engine/report-file.ts';
import { diffReports } from '../engine/diff.ts';
import type { Report } from '../engine/report.ts';
import { chalkFor } from '../report/color.ts';
import { renderHtml } from '../report/html.ts';
import { renderJunit } from '../report/junit.ts';
import { renderTerminal } from '../report/terminal.ts';
import type { ReportFlags } from './report.ts';

export async function runReport(flags: ReportFlags, ctx: { readonly json: boolean }): Promise<Report> {
  const saved = await loadReport(resolve(flags.from));
  const baseline = flags.baseline ? await loadReport(resolve(flags.baseline), 'baseline report') : undefined;
  const report = baseline ? { ...saved, diff: diffReports(saved, baseline) } : saved;
  if (flags.html) await writeFile(resolve(flags.html), renderHtml(report));
  if (flags.junit) await writeFile(resolve(flags.junit), renderJunit(report));
  if (!ctx.json) process.stdout.write(renderTerminal(report, chalkFor(process.stdout), { verbose: flags.verbose }));
  return report;
}
