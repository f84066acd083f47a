import { Flags } from '@oclif/core';
import { BaseCommand } from './base.ts';
import type { Report } from '../engine/report.ts';

export default class ReportCommand extends BaseCommand {
  static override summary =
    'Render a report saved with validate --json: terminal, HTML, JUnit, and the diff against an earlier one.';
  static override description = `Reads a Report saved with "validate --json" and renders it again, with no network and no checks run: to the terminal (default), as one self-contained HTML file (--html), as JUnit XML (--junit), or as JSON (--json). With --baseline, each finding is marked new, fixed, regressed or unchanged since the earlier report.

Exit codes: 0 rendered, 2 usage error or a file that is not a clusterprobe report.`;
  static override enableJsonFlag = true;
  static override examples = [
    {
      description: 'An HTML file to hand to a colleague or a storage vendor',
      command: '<%= config.bin %> report --from run.json --html preflight.html',
    },
    {
      description: 'What changed since last week, in the terminal',
      command: '<%= config.bin %> report --from today.json --baseline last-week.json',
    },
    {
      description: 'JUnit for the CI server, from the saved run',
      command: '<%= config.bin %> report --from run.json --junit preflight.xml',
    },
  ];
  static override flags = {
    from: Flags.file({
      summary: 'The report to render (saved with validate --json).',
      helpValue: 'run.json',
      required: true,
      exists: false,
    }),
    html: Flags.file({ summary: 'Write it as one self-contained HTML file.', helpValue: 'FILE' }),
    junit: Flags.file({ summary: 'Write it as JUnit XML.', helpValue: 'FILE' }),
    baseline: Flags.file({
      summary: 'An earlier report: mark each finding new, fixed, regressed or unchanged since then.',
      helpValue: 'previous.json',
      exists: false,
    }),
    verbose: Flags.boolean({ char: 'v', summary: 'Show evidence for passing findings too.' }),
  };

  parseFlags() {
    return this.parse(ReportCommand).then((r) => r.flags);
  }

  async run(): Promise<Report> {
    const flags = await this.parseFlags();
    const { runReport } = await import('./report-run.ts');
    const result = await runReport({
      from: flags.from,
      html: flags.html,
      junit: flags.junit,
      baseline: flags.baseline,
      verbose: flags.verbose,
      json: this.jsonEnabled(),
      stdout: process.stdout,
    });
    return this.exitWith(result).report;
  }
}
