/**
 * What every clusterprobe command shares: errors printed as one clear message (no stack trace)
 * with the exit code DESIGN.md assigns, secret values scrubbed from anything printed, and what
 * touches the process itself: the exit code of a run's result, stop signals, the exit safety.
 * The runs (`*-run.ts`) take plain options and return a result; none of this is theirs.
 */
import { Command } from '@oclif/core';
import { UsageError } from '../engine/errors.ts';
import { EXIT } from '../engine/exit.ts';
import type { Output, RunResult } from './run-types.ts';

export abstract class BaseCommand extends Command {
  /** Set by commands that resolve secrets, so that error text can be scrubbed of them. */
  protected scrub: (text: string) => string = (t) => t;

  /** Makes a run's exit code the process's, and hands the result on. */
  protected exitWith<T extends RunResult>(result: T): T {
    process.exitCode = result.exitCode;
    return result;
  }

  /**
   * Ends the process a second from now if something is still running then. For after a run in
   * which an exception escaped: what it left running (a timer, a socket) may keep the process
   * alive once the report is out. Unref'd, so it fires only when something else is still running.
   */
  protected exitSoon(): void {
    setTimeout(() => process.exit(), 1000).unref();
  }

  /**
   * The stop signals for a run that has cleanups (validate): SIGINT, SIGTERM, SIGHUP (an SSH
   * session that drops mid-run, or on Windows a console window closed, must still remove the
   * reservation keys) and SIGBREAK (Ctrl-Break in a Windows console) all count as Ctrl-C.
   * The first stops the checks through `signal`, the run's cleanups still run; the second says
   * what is still being cleaned up; the third abandons the cleanup and exits 130. The handlers
   * are in force from `arm` to `disarm` only: outside, a signal acts as Node's default.
   */
  protected stopSignals(): StopSignals {
    return new StopSignals(process.stderr);
  }

  protected override async catch(err: Error & { oclif?: { exit?: number }; exitCode?: number }): Promise<void> {
    if (err instanceof UsageError) {
      process.exitCode = err.exitCode;
      const message = this.scrub(err.message);
      if (this.jsonEnabled()) this.logJson({ error: { code: err.code, message, exitCode: err.exitCode } });
      process.stderr.write(`clusterprobe: ${message}\n`);
      return;
    }
    if (err.oclif !== undefined) {
      // oclif's own parse and usage errors (unknown flag, missing argument): exit 2.
      if (err.oclif.exit === undefined || err.oclif.exit === 0) return super.catch(err);
      process.exitCode = err.oclif.exit === 1 ? EXIT.usage : err.oclif.exit;
      process.stderr.write(
        `clusterprobe: ${this.scrub(err.message)}\nSee "clusterprobe ${this.id?.replace(/:/g, ' ') ?? ''} --help".\n`,
      );
      return;
    }
    process.exitCode = EXIT.internal;
    const message = this.scrub(err.message || String(err));
    if (this.jsonEnabled()) this.logJson({ error: { code: 'EINTERNAL', message, exitCode: EXIT.internal } });
    process.stderr.write(`clusterprobe: internal error: ${message}\n`);
    // `--debug` (validate) or CLUSTERPROBE_DEBUG (any command) shows the stack; nothing else does.
    if (process.env.CLUSTERPROBE_DEBUG || this.argv.includes('--debug'))
      process.stderr.write(`${this.scrub(err.stack ?? '')}\n`);
    else
      process.stderr.write(
        `This is a bug in clusterprobe ${this.config.version}: run the same command again with CLUSTERPROBE_DEBUG=1 for the stack trace, and report it with the version, the command line and that output.\n`,
      );
  }
}

/** See {@link BaseCommand.stopSignals}. */
export class StopSignals {
  // SIGBREAK exists on Windows only; elsewhere Node lets it be listened to and never sends it.
  static readonly SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  readonly #controller = new AbortController();
  /** Aborted at the first stop signal. */
  readonly signal: AbortSignal = this.#controller.signal;
  #pending: () => readonly string[] = () => [];
  #interrupts = 0;
  #armed = false;
  readonly #stderr: Output;

  /** @param stderr where the messages go (process.stderr). */
  constructor(stderr: Output) {
    this.#stderr = stderr;
  }

  readonly #onSignal = (): void => {
    this.#interrupts += 1;
    if (this.#interrupts === 1) {
      this.#stderr.write(
        '\nInterrupted: stopping checks and running cleanup (Ctrl-C twice more to abandon cleanup).\n',
      );
      this.#controller.abort(new Error('interrupted'));
    } else if (this.#interrupts === 2) {
      this.#stderr.write(
        `Still cleaning up: ${this.#pending().join('; ') || 'finishing'}. Ctrl-C again abandons it.\n`,
      );
    } else {
      this.#stderr.write(
        'Cleanup abandoned: what it would have removed may still be there; run clusterprobe again to clean up.\n',
      );
      process.exit(EXIT.interrupted);
    }
  };

  /** Installs the handlers; `pending` names the cleanups still to run, for the second signal's message. */
  arm(pending: () => readonly string[]): void {
    this.#pending = pending;
    if (this.#armed) return;
    this.#armed = true;
    for (const signal of StopSignals.SIGNALS) process.on(signal, this.#onSignal);
  }

  /** Removes the handlers (again: no harm). */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    for (const signal of StopSignals.SIGNALS) process.off(signal, this.#onSignal);
  }
}
