/**
 * What every clusterprobe command shares: errors printed as one clear message (no stack trace)
 * with the exit code DESIGN.md assigns, and secret values scrubbed from anything printed.
 */
import { Command } from '@oclif/core';
import { UsageError } from '../engine/errors.ts';
import { EXIT } from '../engine/exit.ts';

export abstract class BaseCommand extends Command {
  /** Set by commands that resolve secrets, so that error text can be scrubbed of them. */
  protected scrub: (text: string) => string = (t) => t;

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
