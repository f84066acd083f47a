import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base.ts';
import { configFlag, globListFlag, pluginFlag } from './flags.ts';
import { UsageError } from '../engine/errors.ts';
import type { Report } from '../engine/report.ts';

export default class Validate extends BaseCommand {
  static override summary = 'Check that the environment is ready for a failover cluster, and say exactly what to fix.';
  static override description = `Runs the selected checks against the cluster spec and prints every finding: what was seen (evidence), why it matters, and the commands that fix it.

Exit codes: 0 all passed (warnings allowed unless --fail-on warn), 1 a bug in clusterprobe or a plugin (an internal-error finding, or an exception that escaped a probe or check; the report is still written), 2 usage or config error, 3 at least one failure (or a check that could not complete: a server that did not answer in time), 4 warnings only with --fail-on warn, 130 interrupted. A closed stdout or stderr (validate | head -1) does not change the exit code.`;

  static override enableJsonFlag = true;

  static override examples = [
    {
      description: 'Check a cluster spec (write one with "init", or the commented example with "init --example")',
      command: '<%= config.bin %> <%= command.id %> --config cluster.yaml',
    },
    {
      description: 'The same: the spec as an argument',
      command: '<%= config.bin %> <%= command.id %> cluster.yaml',
    },
    {
      description: 'Only the storage checks, as JUnit for CI',
      command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --only "storage.*" --junit preflight.xml',
    },
    {
      description: 'Machine-readable report; fail the pipeline on warnings too',
      command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --json --fail-on warn > report.json',
    },
    {
      description: 'An HTML report to hand over, and what changed since the last run',
      command:
        '<%= config.bin %> <%= command.id %> -c cluster.yaml --baseline last-run.json --html preflight.html --json > this-run.json',
    },
    {
      description: 'Save the facts now...',
      command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --save-facts facts.json',
    },
    {
      description: '...and evaluate them again later, without the network',
      command: '<%= config.bin %> <%= command.id %> --from-facts facts.json',
    },
  ];

  // Optional, so that oclif reads `validate cluster.yaml` as this command with an argument rather
  // than as a command `validate cluster.yaml` it does not have.
  static override args = {
    spec: Args.file({ description: 'The cluster spec, as --config takes it (give one or the other).', exists: false }),
  };

  static override flags = {
    config: configFlag,
    only: globListFlag('Run only checks whose id matches one of these globs (e.g. "storage.*,ad.netbios.*").'),
    skip: globListFlag('Skip checks whose id matches one of these globs.'),
    junit: Flags.file({ summary: 'Also write the report as JUnit XML to this file.', helpValue: 'FILE' }),
    html: Flags.file({
      summary:
        'Also write the report as one self-contained HTML file (no external resources; hand it to a colleague or vendor).',
      helpValue: 'FILE',
    }),
    baseline: Flags.file({
      summary: 'A report saved earlier with --json: mark each finding new, fixed, regressed or unchanged since then.',
      helpValue: 'previous.json',
      exists: false,
    }),
    'fail-on': Flags.option({
      options: ['warn', 'fail'] as const,
      default: 'fail',
      summary: 'Lowest status that makes the exit code non-zero.',
    })(),
    concurrency: Flags.integer({ min: 1, max: 64, default: 4, summary: 'How many checks run at once.' }),
    timeout: Flags.integer({
      min: 1,
      max: 3600,
      default: 120,
      summary: 'Time limit for each check, in seconds.',
      helpValue: 'SECONDS',
    }),
    waivers: Flags.file({
      summary: "YAML/JSON file of waivers, added to the spec's waivers:.",
      helpValue: 'FILE',
      exists: false,
    }),
    'save-facts': Flags.file({
      summary: 'Write the facts gathered (no secrets) to this file, for --from-facts.',
      helpValue: 'FILE',
    }),
    'from-facts': Flags.file({
      summary: 'Evaluate facts saved by --save-facts instead of probing: no network.',
      helpValue: 'FILE',
      exists: false,
    }),
    plugin: pluginFlag,
    verbose: Flags.boolean({ char: 'v', summary: 'Show evidence for passing findings too.' }),
    'allow-in-use': Flags.boolean({
      summary:
        'Run the PR sequence even on disks that hold registrations (never touching foreign keys); same as storage.allowInUse.',
    }),
    debug: Flags.boolean({
      summary:
        'Put stack traces into the evidence of internal-error findings (for a bug report); without it no stack appears anywhere.',
    }),
  };

  /** The flags, with the spec argument as --config. */
  async parseFlags() {
    const { args, flags } = await this.parse(Validate);
    if (args.spec === undefined) return flags;
    if (flags.config !== undefined)
      throw new UsageError(`two specs: ${args.spec} and --config ${flags.config}; pass one`);
    return { ...flags, config: args.spec };
  }

  async run(): Promise<Report> {
    const flags = await this.parseFlags();
    // Loaded here, not at start-up: --help and other commands need none of it.
    const [{ runValidate }, { terminalPrompter }, { escapeLine }, { clean }] = await Promise.all([
      import('./validate-run.ts'),
      import('../config/prompt.ts'),
      import('../engine/engine.ts'),
      import('../report/terminal.ts'),
    ]);
    const { bugs } = this.config.pjson as { bugs?: string | { url?: string } };
    const bugsUrl = typeof bugs === 'string' ? bugs : bugs?.url;
    const stop = this.stopSignals();
    const say = (line: string) => process.stderr.write(`clusterprobe: ${line}\n`);
    try {
      const result = await runValidate({
        config: flags.config,
        fromFacts: flags['from-facts'],
        saveFacts: flags['save-facts'],
        junit: flags.junit,
        html: flags.html,
        baseline: flags.baseline,
        waivers: flags.waivers,
        only: flags.only ?? [],
        skip: flags.skip ?? [],
        plugins: flags.plugin ?? [],
        failOn: flags['fail-on'],
        concurrency: flags.concurrency,
        timeoutSeconds: flags.timeout,
        verbose: flags.verbose,
        allowInUse: flags['allow-in-use'],
        debug: flags.debug,
        json: this.jsonEnabled(),
        version: this.config.version,
        bugsUrl,
        stdout: process.stdout,
        stderr: process.stderr,
        prompt: terminalPrompter(),
        signal: stop.signal,
        onSecrets: (scrub) => {
          this.scrub = scrub;
        },
        checksStarting: (pending) => stop.arm(pending),
        checksDone: ({ escapes, cleanup }) => {
          stop.disarm();
          // One line per exception that escaped a probe or check; the details are in the report.
          for (const escape of escapes) say(clean(this.scrub(escapeLine(escape))));
          for (const c of cleanup)
            if (c.status !== 'ok') say(`cleanup "${c.label}" ${c.status}: ${this.scrub(c.error ?? '')}`);
        },
      });
      for (const escape of result.afterRun) say(clean(this.scrub(escapeLine(escape, true))));
      this.exitWith(result);
      if (result.escaped) this.exitSoon();
      return result.report;
    } finally {
      stop.disarm();
    }
  }
}
