/**
 * The body of `clusterprobe validate`: spec, registry, secrets, Ctrl-C handling, the run, and
 * the outputs. Imported by the command only when it runs, so start-up stays light.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildRegistry, loadInputs } from './wiring.ts';
import { loadReport, loadWaivers } from '../config/load.ts';
import { SecretStore } from '../config/secrets.ts';
import { terminalPrompter } from '../config/prompt.ts';
import { secretReferences } from '../config/refs.ts';
import { Cleanups } from '../engine/cleanup.ts';
import { escapeLine, runPreflight } from '../engine/engine.ts';
import { saveFacts } from '../engine/facts.ts';
import { UsageError } from '../engine/errors.ts';
import { exitCodeFor, type Report } from '../engine/report.ts';
import { chalkFor } from '../report/color.ts';
import { renderJunit } from '../report/junit.ts';
import { renderHtml } from '../report/html.ts';
import { diffReports } from '../engine/diff.ts';
import { clean, renderTerminal } from '../report/terminal.ts';
import { startProgress } from '../report/progress.ts';
import type { ValidateFlags } from './validate.ts';

export interface CommandContext {
  readonly json: boolean;
  readonly version: string;
  /** The issue tracker from package.json (`bugs`), named in internal-error findings. */
  readonly bugsUrl?: string;
  /** Hands the command a scrubber for error messages once secrets may have been resolved. */
  setScrub(scrub: (text: string) => string): void;
}

export async function runValidate(flags: ValidateFlags, ctx: CommandContext): Promise<Report> {
  if (flags['save-facts'] && flags['from-facts']) throw new UsageError('--save-facts and --from-facts exclude each other: an offline run gathers no new facts');

  const loaded = await loadInputs(flags.config, flags['from-facts']);
  const inputs = flags['allow-in-use'] ? { ...loaded, spec: { ...loaded.spec, storage: { iscsi: [], ...loaded.spec.storage, allowInUse: true } } } : loaded;
  const registry = await buildRegistry([...(inputs.spec.plugins ?? []), ...(flags.plugin ?? [])], inputs.baseDir);
  const selected = registry.select(flags.only ?? [], flags.skip ?? []).map((r) => r.check);
  const waivers = [...(inputs.spec.waivers ?? []), ...(flags.waivers ? await loadWaivers(resolve(flags.waivers)) : [])];
  // Read before anything runs, so that a bad baseline stops the run before it touches a server.
  const baseline = flags.baseline ? await loadReport(resolve(flags.baseline), 'baseline report') : undefined;

  const prompt = terminalPrompter();
  const secrets = new SecretStore({ baseDir: inputs.baseDir, ...(prompt ? { prompt } : {}) });
  ctx.setScrub((t) => secrets.scrub(t));
  if (!inputs.facts) {
    // Prompts happen before progress starts drawing, for the areas that will run.
    const areas = new Set(selected.map((c) => c.meta.area));
    for (const ref of secretReferences(inputs.spec)) {
      if (ref.ref === 'prompt' && areas.has(ref.area)) await secrets.resolve(ref.ref, ref.path);
    }
  }

  if (!inputs.facts && inputs.spec.activeDirectory?.tls?.insecureSkipVerify && selected.some((c) => c.meta.area === 'ad')) {
    process.stderr.write('clusterprobe: warning: activeDirectory.tls.insecureSkipVerify is set: the DC\'s certificate is not verified, so the bind password could go to an impostor. The report flags it (ad.connect insecure).\n');
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
  const progress = ctx.json ? undefined : startProgress(selected, { tty: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) >= 40, chalk: chalkFor(process.stderr) });
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
      toolVersion: ctx.version,
      cleanups,
      bugs: registry.bugReporting({ version: ctx.version, debug: flags.debug, ...(ctx.bugsUrl ? { url: ctx.bugsUrl } : {}) }),
      // With --config as well, the spec fact is the current file: fix the names, re-evaluate offline.
      ...(inputs.facts ? { offlineFacts: flags.config ? { ...inputs.facts.facts, spec: inputs.spec } : inputs.facts.facts } : {}),
      ...(progress ? { progress: progress.listener } : {}),
    });
  } finally {
    await progress?.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }

  const report = baseline ? { ...output.report, diff: diffReports(output.report, baseline) } : output.report;
  // One line per exception that escaped a probe or check; the details are in the report.
  for (const escape of output.escapes) process.stderr.write(`clusterprobe: ${clean(secrets.scrub(escapeLine(escape)))}\n`);
  for (const c of output.cleanup) {
    if (c.status !== 'ok') process.stderr.write(`clusterprobe: cleanup "${c.label}" ${c.status}: ${secrets.scrub(c.error ?? '')}\n`);
  }
  if (flags['save-facts']) await saveFacts(resolve(flags['save-facts']), output.facts, ctx.version);
  if (flags.junit) await writeFile(resolve(flags.junit), secrets.scrub(renderJunit(report)));
  if (flags.html) await writeFile(resolve(flags.html), secrets.scrub(renderHtml(report)));
  if (!ctx.json) process.stdout.write(secrets.scrub(renderTerminal(report, chalkFor(process.stdout), { verbose: flags.verbose })));

  process.exitCode = exitCodeFor(report, flags['fail-on']);
  // What an escaped probe left running may keep the event loop alive: bin/run.js exits once the
  // output is written instead of waiting for it (the cleanups have run already).
  if (output.escapes.length > 0) (globalThis as Record<symbol, unknown>)[Symbol.for('clusterprobe.abandonAfterRun')] = true;
  return report;
}
