/**
 * The body of `clusterprobe validate`: spec, registry, secrets, the run, and the outputs. Imported
 * by the command only when it runs, so start-up stays light. It takes plain options and returns a
 * result: stop signals, the messages about them and the exit code belong to the command.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildRegistry, loadInputs } from './wiring.ts';
import { loadWaivers } from '../config/load.ts';
import { loadReport } from '../engine/report-file.ts';
import { SecretStore, type Prompter } from '../config/secrets.ts';
import { secretReferences } from '../config/refs.ts';
import { Cleanups, type CleanupOutcome } from '../engine/cleanup.ts';
import { escapeSummary, runPreflight, type EscapeSummary } from '../engine/engine.ts';
import { installEscapeGuard, type Escape } from '../engine/guard.ts';
import { saveFacts } from '../engine/facts.ts';
import { UsageError } from '../engine/errors.ts';
import { exitCodeFor, type Report } from '../engine/report.ts';
import { EXIT } from '../engine/exit.ts';
import { chalkFor } from '../report/color.ts';
import { renderJunit } from '../report/junit.ts';
import { renderHtml } from '../report/html.ts';
import { checkDocs } from './check-docs.ts';
import { diffReports } from '../engine/diff.ts';
import { renderTerminal } from '../report/terminal.ts';
import { terminalWidth } from '../report/wrap.ts';
import { startProgress } from '../report/progress.ts';
import type { Output, RunResult } from './run-types.ts';
import { assertWritable, type OutputFlag } from './output-file.ts';

/** What `validate` runs with: its flags as plain values, where it writes, and how the command follows it. */
export interface ValidateOptions {
  /** The spec file (--config or the argument). */
  readonly config?: string | undefined;
  /** --from-facts: evaluate these saved facts instead of probing. */
  readonly fromFacts?: string | undefined;
  /** --save-facts: write the facts gathered here. */
  readonly saveFacts?: string | undefined;
  readonly junit?: string | undefined;
  readonly html?: string | undefined;
  /** A report saved earlier: the new one carries the diff against it. */
  readonly baseline?: string | undefined;
  /** A waivers file, added to the spec's waivers. */
  readonly waivers?: string | undefined;
  /** Check-id globs (--only, --skip); empty: all. */
  readonly only: readonly string[];
  readonly skip: readonly string[];
  /** Plugin modules (--plugin), after the spec's own. */
  readonly plugins: readonly string[];
  readonly failOn: 'warn' | 'fail';
  readonly concurrency: number;
  /** Time limit for each check, in seconds. */
  readonly timeoutSeconds: number;
  readonly verbose: boolean;
  /** --allow-in-use: the same as storage.allowInUse in the spec. */
  readonly allowInUse: boolean;
  /** Stack traces in the evidence of internal-error findings. */
  readonly debug: boolean;
  /** --json: no progress and no terminal report (the command prints the report as JSON). */
  readonly json: boolean;
  readonly version: string;
  /** The issue tracker from package.json (`bugs`), named in internal-error findings. */
  readonly bugsUrl?: string | undefined;
  /** The terminal report. */
  readonly stdout: Output;
  /** Progress and the run's warnings. */
  readonly stderr: Output;
  /** Asks for `prompt` secrets; without it such a secret is an error. */
  readonly prompt?: Prompter | undefined;
  /** Stops the checks (they end as cancelled) and runs the cleanups: the command's Ctrl-C. */
  readonly signal?: AbortSignal | undefined;
  /** Hands the command a scrubber for its messages once secrets may have been resolved. */
  onSecrets?(scrub: (text: string) => string): void;
  /**
   * The checks start now: from here until `checksDone`, a stop request through `signal` cancels
   * them. `pending` names, at any moment, the cleanups still to run.
   */
  checksStarting?(pending: () => readonly string[]): void;
  /** The checks and their cleanups are over (before any output is written, and also when the run failed). */
  checksDone?(outcome: ChecksDone): void;
}

/** What the command is told when the checks are over, for its messages. */
export interface ChecksDone {
  /** Exceptions that escaped a probe or check during the run (each is an error finding as well). */
  readonly escapes: readonly EscapeSummary[];
  /** Every cleanup that ran, with its status. */
  readonly cleanup: readonly CleanupOutcome[];
}

/** What `validate` ends with. */
export interface ValidateResult extends RunResult {
  readonly report: Report;
  /**
   * Exceptions that escaped after the run had finished (while the report was written): not in
   * the report; the exit code is 1 for them unless the run was cancelled.
   */
  readonly afterRun: readonly EscapeSummary[];
  /** Whether anything escaped at all: what it left running (a timer, a socket) may keep the process alive. */
  readonly escaped: boolean;
}

/** Runs `validate`: the checks, the outputs, the terminal report; the exit code in the result. */
export async function runValidate(options: ValidateOptions): Promise<ValidateResult> {
  const { stdout, stderr } = options;
  if (options.saveFacts && options.fromFacts)
    throw new UsageError('--save-facts and --from-facts exclude each other: an offline run gathers no new facts');

  const loaded = await loadInputs(options.config, options.fromFacts);
  const inputs = options.allowInUse
    ? { ...loaded, spec: { ...loaded.spec, storage: { iscsi: [], ...loaded.spec.storage, allowInUse: true } } }
    : loaded;
  const registry = await buildRegistry([...(inputs.spec.plugins ?? []), ...options.plugins], inputs.baseDir);
  const selected = registry.select(options.only, options.skip).map((r) => r.check);
  const waivers = [
    ...(inputs.spec.waivers ?? []),
    ...(options.waivers ? await loadWaivers(resolve(options.waivers)) : []),
  ];
  // Output files are checked before anything runs, too: a typo in a path is exit 2 now, not a
  // report lost after the run.
  const outputs = (
    [
      ['junit', options.junit],
      ['html', options.html],
      ['save-facts', options.saveFacts],
    ] as [OutputFlag, string | undefined][]
  )
    .filter((output): output is [OutputFlag, string] => output[1] !== undefined)
    .map(([flag, file]) => ({ flag, file: resolve(file) }));
  for (const { flag, file } of outputs) await assertWritable(flag, file);
  // Read before anything runs, so that a bad baseline stops the run before it touches a server.
  const baseline = options.baseline ? await loadReport(resolve(options.baseline), 'baseline report') : undefined;

  const secrets = new SecretStore({ baseDir: inputs.baseDir, ...(options.prompt ? { prompt: options.prompt } : {}) });
  options.onSecrets?.((t) => secrets.scrub(t));
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
    stderr.write(
      "clusterprobe: warning: activeDirectory.tls.insecureSkipVerify is set: the DC's certificate is not verified, so the bind password could go to an impostor. The report flags it (ad.connect insecure).\n",
    );
  }

  const cleanups = new Cleanups();
  const bugs = registry.bugReporting({
    version: options.version,
    debug: options.debug,
    ...(options.bugsUrl ? { url: options.bugsUrl } : {}),
  });
  // The run installs its own guard; this outer one covers the rest of validate (progress, the
  // report's files and terminal view), where what an escaped probe left running may still throw.
  const afterRun: Escape[] = [];
  const removeGuard = installEscapeGuard((escape) => afterRun.push(escape));
  try {
    // A pseudo-terminal that reports no width would make the spinner renderer wrap every character.
    const progress = options.json
      ? undefined
      : startProgress(selected, {
          tty: Boolean(stderr.isTTY) && (stderr.columns ?? 0) >= 40,
          chalk: chalkFor(stderr),
          stream: stderr,
        });
    options.checksStarting?.(() => cleanups.pending);
    let output;
    let outcome: ChecksDone = { escapes: [], cleanup: [] };
    try {
      output = await runPreflight({
        spec: inputs.spec,
        checks: selected,
        probes: registry.probes,
        secrets,
        waivers,
        concurrency: options.concurrency,
        timeoutMs: options.timeoutSeconds * 1000,
        signal: options.signal ?? new AbortController().signal,
        toolVersion: options.version,
        cleanups,
        bugs,
        // With --config as well, the spec fact is the current file: fix the names, re-evaluate offline.
        ...(inputs.facts
          ? { offlineFacts: options.config ? { ...inputs.facts.facts, spec: inputs.spec } : inputs.facts.facts }
          : {}),
        ...(progress ? { progress: progress.listener } : {}),
      });
      outcome = { escapes: output.escapes, cleanup: output.cleanup };
    } finally {
      await progress?.close();
      options.checksDone?.(outcome);
    }

    const report = baseline ? { ...output.report, diff: diffReports(output.report, baseline) } : output.report;
    // A file that cannot be written after all (a full disk) is the environment, not a bug: the
    // other outputs are still written, and the exit code is 2 (unless a bug or Ctrl-C says more).
    const unwritten: string[] = [];
    for (const { flag, file } of outputs) {
      try {
        if (flag === 'save-facts') await saveFacts(file, output.facts, options.version);
        else
          await writeFile(
            file,
            secrets.scrub(flag === 'junit' ? renderJunit(report) : renderHtml(report, { docs: checkDocs(report) })),
          );
      } catch (err) {
        unwritten.push(flag);
        stderr.write(
          `clusterprobe: --${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the run finished with verdict ${report.verdict}\n`,
        );
      }
    }
    if (!options.json)
      stdout.write(
        secrets.scrub(
          renderTerminal(report, chalkFor(stdout), { verbose: options.verbose, width: terminalWidth(stdout) }),
        ),
      );

    const code = afterRun.length > 0 && !report.cancelled ? EXIT.internal : exitCodeFor(report, options.failOn);
    return {
      exitCode: unwritten.length > 0 && code !== EXIT.internal && code !== EXIT.interrupted ? EXIT.usage : code,
      report,
      afterRun: afterRun.map((escape) => escapeSummary(escape, bugs)),
      escaped: output.escapes.length > 0 || afterRun.length > 0,
    };
  } finally {
    removeGuard();
  }
}
