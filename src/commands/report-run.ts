/** The body of `clusterprobe report`: load, diff, render. Loaded only when the command runs. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadReport } from '../engine/report-file.ts';
import { diffReports } from '../engine/diff.ts';
import { EXIT } from '../engine/exit.ts';
import type { Report } from '../engine/report.ts';
import { chalkFor } from '../report/color.ts';
import { renderHtml } from '../report/html.ts';
import { checkDocs } from './check-docs.ts';
import { renderJunit } from '../report/junit.ts';
import { renderTerminal } from '../report/terminal.ts';
import { terminalWidth } from '../report/wrap.ts';
import type { Output, RunResult } from './run-types.ts';

/** What `report` runs with: its flags as plain values, and where the terminal view goes. */
export interface ReportOptions {
  /** The report saved with `validate --json`. */
  readonly from: string;
  readonly html?: string | undefined;
  readonly junit?: string | undefined;
  /** An earlier report: the rendered one carries the diff against it. */
  readonly baseline?: string | undefined;
  readonly verbose: boolean;
  /** --json: no terminal view (the command prints the report as JSON). */
  readonly json: boolean;
  readonly stdout: Output;
}

/** What `report` ends with: the report as rendered (with its diff), exit 0. */
export interface ReportResult extends RunResult {
  readonly report: Report;
}

export async function runReport(options: ReportOptions): Promise<ReportResult> {
  const saved = await loadReport(resolve(options.from));
  const baseline = options.baseline ? await loadReport(resolve(options.baseline), 'baseline report') : undefined;
  const report = baseline ? { ...saved, diff: diffReports(saved, baseline) } : saved;
  if (options.html) await writeFile(resolve(options.html), renderHtml(report, { docs: checkDocs(report) }));
  if (options.junit) await writeFile(resolve(options.junit), renderJunit(report));
  if (!options.json)
    options.stdout.write(
      renderTerminal(report, chalkFor(options.stdout), {
        verbose: options.verbose,
        width: terminalWidth(options.stdout),
      }),
    );
  return { exitCode: EXIT.pass, report };
}
