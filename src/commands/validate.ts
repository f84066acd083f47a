import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from './base.ts';
import { configFlag, globListFlag, pluginFlag } from './flags.ts';
import { buildRegistry, loadInputs } from './wiring.ts';
import { loadWaivers } from '../config/load.ts';
import { SecretStore } from '../config/secrets.ts';
import { terminalPrompter } from '../config/prompt.ts';
import { secretReferences } from '../config/refs.ts';
import { Cleanups } from '../engine/cleanup.ts';
import { runPreflight } from '../engine/engine.ts';
import { saveFacts } from '../engine/facts.ts';
import { UsageError } from '../engine/errors.ts';
import { exitCodeFor, type Report } from '../engine/report.ts';
import { chalkFor } from '../report/color.ts';
import { renderJunit } from '../report/junit.ts';
import { renderTerminal } from '../report/terminal.ts';
import { startProgress } from '../report/progress.ts';

export default class Validate extends BaseCommand {
  static override summary = 'Check that the environment is ready for a failover cluster, and say exactly what to fix.';
  static override description = `Runs the selected checks against the cluster spec and prints every finding: what was seen (evidence), why it matters, and the commands that fix it.

Exit codes: 0 all passed (warnings allowed unless --fail-on warn), 1 internal error, 2 usage or config error, 3 at least one failure (or a check that could not complete), 4 warnings only with --fail-on warn, 130 interrupted.`;

  static override enableJsonFlag = true;

  static override examples = [
    { description: 'Check the review lab example', command: '<%= config.bin %> <%= command.id %> --config examples/review-lab.yaml' },
    { description: 'Only the storage checks, as JUnit for CI', command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --only "storage.*" --junit preflight.xml' },
    { description: 'Machine-readable report; fail the pipeline on warnings too', command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --json --fail-on warn > report.json' },
    { description: 'Save facts now, re-evaluate later without network', command: '<%= config.bin %> <%= command.id %> -c cluster.yaml --save-facts facts.json\n<%= config.bin %> <%= command.id %> --from-facts facts.json' },
  ];

  static override flags = {
    config: configFlag,
    only: globListFlag('Run only checks whose id matches one of these globs (e.g. "storage.*,ad.netbios.*").'),
    skip: globListFlag('Skip checks whose id matches one of these globs.'),
    junit: Flags.file({ summary: 'Also write the report as JUnit XML to this file.', helpValue: 'FILE' }),
    'fail-on': Flags.option({ options: ['warn', 'fail'] as const, default: 'fail', summary: 'Lowest status that makes the exit code non-zero.' })(),
    concurrency: Flags.integer({ min: 1, max: 64, default: 4, summary: 'How many checks run at once.' }),
    timeout: Flags.integer({ min: 1, max: 3600, default: 120, summary: 'Time limit for each check, in seconds.', helpValue: 'SECONDS' }),
    waivers: Flags.file({ summary: 'YAML/JSON file of waivers, added to the spec\'s waivers:.', helpValue: 'FILE', exists: true }),
    'save-facts': Flags.file({ summary: 'Write the facts gathered (no secrets) to this file, for --from-facts.', helpValue: 'FILE' }),
    'from-facts': Flags.file({ summary: 'Evaluate facts saved by --save-facts instead of probing: no network.', helpValue: 'FILE', exists: true }),
    plugin: pluginFlag,
    verbose: Flags.boolean({ char: 'v', summary: 'Show evidence for passing findings too.' }),
  };

  async run(): Promise<Report> {
    const { flags } = await this.parse(Validate);
    if (flags['save-facts'] && flags['from-facts']) throw new UsageError('--save-facts and --from-facts exclude each other: an offline run gathers no new facts');

    const inputs = await loadInputs(flags.config, flags['from-facts']);
    const registry = await buildRegistry([...(inputs.spec.plugins ?? []), ...(flags.plugin ?? [])], inputs.baseDir);
    const selected = registry.select(flags.only ?? [], flags.skip ?? []).map((r) => r.check);
    const waivers = [...(inputs.spec.waivers ?? []), ...(flags.waivers ? await loadWaivers(resolve(flags.waivers)) : [])];

    const prompt = terminalPrompter();
    const secrets = new SecretStore({ baseDir: inputs.baseDir, ...(prompt ? { prompt } : {}) });
    this.scrub = (t) => secrets.scrub(t);
    if (!inputs.facts) {
      // Prompts happen before progress starts drawing, for the areas that will run.
      const areas = new Set(selected.map((c) => c.meta.area));
      for (const ref of secretReferences(inputs.spec)) {
        if (ref.ref === 'prompt' && areas.has(ref.area)) await secrets.resolve(ref.ref, ref.path);
      }
    }

    const controller = new AbortController();
    const cleanups = new Cleanups();
    let interrupts = 0;
    const onSigint = () => {
      interrupts += 1;
      if (interrupts === 1) {
        process.stderr.write('\nInterrupted: stopping checks and running cleanup (Ctrl-C twice more to abandon cleanup).\n');
        controller.abort(new Error('interrupted'));
      } else if (interrupts === 2) {
        process.stderr.write(`Still cleaning up: ${cleanups.pending.join('; ') || 'finishing'}. Ctrl-C again abandons it.\n`);
      } else {
        process.stderr.write('Cleanup abandoned: what it would have removed may still be there; run clusterprobe again to clean up.\n');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);

    // A pseudo-terminal that reports no width would make the spinner renderer wrap every character.
    const progress = this.jsonEnabled() ? undefined : startProgress(selected, { tty: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) >= 40, chalk: chalkFor(process.stderr) });
    let output;
    try {
      output = await runPreflight({
        spec: inputs.spec,
        checks: selected,
        probes: registry.probes,
        secrets,
        waivers,
        concurrency: flags.concurrency,
        timeoutMs: flags.timeout * 1000,
        signal: controller.signal,
        toolVersion: this.config.version,
        cleanups,
        // With --config as well, the spec fact is the current file: fix the names, re-evaluate offline.
        ...(inputs.facts ? { offlineFacts: flags.config ? { ...inputs.facts.facts, spec: inputs.spec } : inputs.facts.facts } : {}),
        ...(progress ? { progress: progress.listener } : {}),
      });
    } finally {
      await progress?.close();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }

    const { report } = output;
    for (const c of output.cleanup) {
      if (c.status !== 'ok') process.stderr.write(`clusterprobe: cleanup "${c.label}" ${c.status}: ${secrets.scrub(c.error ?? '')}\n`);
    }
    if (flags['save-facts']) await saveFacts(resolve(flags['save-facts']), output.facts, this.config.version);
    if (flags.junit) await writeFile(resolve(flags.junit), secrets.scrub(renderJunit(report)));
    if (!this.jsonEnabled()) process.stdout.write(secrets.scrub(renderTerminal(report, chalkFor(process.stdout), { verbose: flags.verbose })));

    process.exitCode = exitCodeFor(report, flags['fail-on']);
    return report;
  }
}
