/**
 * The body of `clusterprobe validate`: spec, registry, secrets, Ctrl-C handling, the run, and
 * the outputs. Imported by the command only when it runs, so start-up stays light.
 */
import { access, constants, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { buildRegistry, loadInputs } from './wiring.ts';
import { loadWaivers } from '../config/load.ts';
import { loadReport } from '../engine/report-file.ts';
import { SecretStore } from '../config/secrets.ts';
import { terminalPrompter } from '../config/prompt.ts';
import { secretReferences } from '../config/refs.ts';
import { Cleanups } from '../engine/cleanup.ts';
import { escapeLine, escapeSummary, runPreflight } from '../engine/engine.ts';
import { installEscapeGuard, type Escape } from '../engine/guard.ts';
import { saveFacts } from '../engine/facts.ts';
import { UsageError } from '../engine/errors.ts';
import { exitCodeFor, type Report } from '../engine/report.ts';
import { EXIT } from '../engine/exit.ts';
import { shQuote } from '../quote.ts';
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
  if (flags['save-facts'] && flags['from-facts'])
    throw new UsageError('--save-facts and --from-facts exclude each other: an offline run gathers no new facts');

  const loaded = await loadInputs(flags.config, flags['from-facts']);
  const inputs = flags['allow-in-use']
    ? { ...loaded, spec: { ...loaded.spec, storage: { iscsi: [], ...loaded.spec.storage, allowInUse: true } } }
    : loaded;
  const registry = await buildRegistry([...(inputs.spec.plugins ?? []), ...(flags.plugin ?? [])], inputs.baseDir);
  const selected = registry.select(flags.only ?? [], flags.skip ?? []).map((r) => r.check);
  const waivers = [...(inputs.spec.waivers ?? []), ...(flags.waivers ? await loadWaivers(resolve(flags.waivers)) : [])];
  // Output files are checked before anything runs, too: a typo in a path is exit 2 now, not a
  // report lost after the run.
  const outputs = (['junit', 'html', 'save-facts'] as const)
    .filter((flag) => flags[flag] !== undefined)
    .map((flag) => ({ flag, file: resolve(flags[flag]!) }));
  for (const { flag, file } of outputs) await assertWritable(flag, file);
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

  if (
    !inputs.facts &&
    inputs.spec.activeDirectory?.tls?.insecureSkipVerify &&
    selected.some((c) => c.meta.area === 'ad')
  ) {
    process.stderr.write(
      "clusterprobe: warning: activeDirectory.tls.insecureSkipVerify is set: the DC's certificate is not verified, so the bind password could go to an impostor. The report flags it (ad.connect insecure).\n",
    );
  }

  const controller = new AbortController();
  const cleanups = new Cleanups();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(
        '\nInterrupted: stopping checks and running cleanup (Ctrl-C twice more to abandon cleanup).\n',
      );
      controller.abort(new Error('interrupted'));
    } else if (interrupts === 2) {
      process.stderr.write(
        `Still cleaning up: ${cleanups.pending.join('; ') || 'finishing'}. Ctrl-C again abandons it.\n`,
      );
    } else {
      process.stderr.write(
        'Cleanup abandoned: what it would have removed may still be there; run clusterprobe again to clean up.\n',
      );
      process.exit(130);
    }
  };
  // SIGHUP too: an SSH session that drops mid-run must still remove the reservation keys.
  const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of STOP_SIGNALS) process.on(signal, onSigint);

  const bugs = registry.bugReporting({
    version: ctx.version,
    debug: flags.debug,
    ...(ctx.bugsUrl ? { url: ctx.bugsUrl } : {}),
  });
  // The run installs its own guard; this outer one covers the rest of validate (progress, the
  // report's files and terminal view), where what an escaped probe left running may still throw.
  const afterRun: Escape[] = [];
  const removeGuard = installEscapeGuard((escape) => afterRun.push(escape));
  try {
    // A pseudo-terminal that reports no width would make the spinner renderer wrap every character.
    const progress = ctx.json
      ? undefined
      : startProgress(selected, {
          tty: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) >= 40,
          chalk: chalkFor(process.stderr),
        });
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
        bugs,
        // With --config as well, the spec fact is the current file: fix the names, re-evaluate offline.
        ...(inputs.facts
          ? { offlineFacts: flags.config ? { ...inputs.facts.facts, spec: inputs.spec } : inputs.facts.facts }
          : {}),
        ...(progress ? { progress: progress.listener } : {}),
      });
    } finally {
      await progress?.close();
      for (const signal of STOP_SIGNALS) process.off(signal, onSigint);
    }

    const report = baseline ? { ...output.report, diff: diffReports(output.report, baseline) } : output.report;
    // One line per exception that escaped a probe or check; the details are in the report.
    for (const escape of output.escapes)
      process.stderr.write(`clusterprobe: ${clean(secrets.scrub(escapeLine(escape)))}\n`);
    for (const c of output.cleanup) {
      if (c.status !== 'ok')
        process.stderr.write(`clusterprobe: cleanup "${c.label}" ${c.status}: ${secrets.scrub(c.error ?? '')}\n`);
    }
    // A file that cannot be written after all (a full disk) is the environment, not a bug: the
    // other outputs are still written, and the exit code is 2 (unless a bug or Ctrl-C says more).
    const unwritten: string[] = [];
    for (const { flag, file } of outputs) {
      try {
        if (flag === 'save-facts') await saveFacts(file, output.facts, ctx.version);
        else await writeFile(file, secrets.scrub(flag === 'junit' ? renderJunit(report) : renderHtml(report)));
      } catch (err) {
        unwritten.push(flag);
        process.stderr.write(
          `clusterprobe: --${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the run finished with verdict ${report.verdict}\n`,
        );
      }
    }
    if (!ctx.json)
      process.stdout.write(secrets.scrub(renderTerminal(report, chalkFor(process.stdout), { verbose: flags.verbose })));

    for (const escape of afterRun)
      process.stderr.write(`clusterprobe: ${clean(secrets.scrub(escapeLine(escapeSummary(escape, bugs), true)))}\n`);

    const code = afterRun.length > 0 && !report.cancelled ? EXIT.internal : exitCodeFor(report, flags['fail-on']);
    process.exitCode = unwritten.length > 0 && code !== EXIT.internal && code !== EXIT.interrupted ? EXIT.usage : code;
    // What an escaped probe left running (a timer, a socket) may keep the process alive: it is
    // abandoned a second after the report is out. The timer is unref'd, so it fires only when
    // something is still running then; the cleanups have run already.
    if (output.escapes.length > 0 || afterRun.length > 0) setTimeout(() => process.exit(), 1000).unref();
    return report;
  } finally {
    removeGuard();
  }
}

/** Refuses, with exit 2, an output path that cannot be written: a directory, a missing or read-only directory. */
async function assertWritable(flag: string, file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory())
    throw new UsageError(
      `--${flag} ${file}: is a directory; give a file name (e.g. ${file.replace(/\/$/, '')}/preflight.${flag === 'junit' ? 'xml' : flag === 'html' ? 'html' : 'json'})`,
    );
  const target = info ? file : dirname(file);
  try {
    await access(target, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(
        `--${flag} ${file}: the directory ${target} does not exist; create it (mkdir -p ${shQuote(target)}) or choose another path`,
      );
    throw new UsageError(
      `--${flag} ${file}: ${info ? 'the file' : `the directory ${target}`} is not writable (${code ?? String(err)})`,
    );
  }
}
