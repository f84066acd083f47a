/**
 * Internal errors: what a finding says when the fault is in clusterprobe or in a plugin rather
 * than in the cluster. It names the culprit, says how to report it, and keeps stack traces out of
 * the report unless the user asked for them with `--debug`.
 */
import type { Remediation } from './report.ts';

/** How a run tells whose bug an internal error is, and how the user reports it. */
export interface BugReporting {
  /** The clusterprobe version, for the report. */
  readonly version: string;
  /** The issue tracker (package.json `bugs.url`), when the package names one. */
  readonly url?: string;
  /** `--debug`: stack traces go into the evidence of internal-error findings. */
  readonly debug: boolean;
  /** The plugin reference (as written in the spec or `--plugin`) a check comes from; undefined for a built-in. */
  pluginOfCheck(checkId: string): string | undefined;
  /** The plugin reference a probe comes from; undefined for a built-in. */
  pluginOfProbe(fact: string): string | undefined;
}

/** A run without plugins, stacks or tracker: what unit tests and library callers get. */
export function defaultBugReporting(version = 'unknown'): BugReporting {
  return { version, debug: false, pluginOfCheck: () => undefined, pluginOfProbe: () => undefined };
}

/** Whose bug: a plugin by its reference, clusterprobe (undefined), or `unknown` when it could not be told. */
export type Culprit = string | undefined | typeof UNKNOWN_CULPRIT;
export const UNKNOWN_CULPRIT: unique symbol = Symbol('unknown culprit');

/** `clusterprobe`, `plugin "./site.js"`, or `clusterprobe or a plugin`. */
export function culpritName(plugin: Culprit): string {
  if (plugin === UNKNOWN_CULPRIT) return 'clusterprobe or a plugin';
  return plugin === undefined ? 'clusterprobe' : `plugin "${plugin}"`;
}

/** The remediation of an internal-error finding: re-run with --debug, then report it. */
export function bugRemediation(plugin: Culprit, reporting: BugReporting): Remediation {
  const what = `the clusterprobe version (${reporting.version}), the command line you ran${plugin === UNKNOWN_CULPRIT ? ', the plugins it loads' : ''}, and this finding as ${reporting.debug ? 'this' : 'the'} --debug run shows it (the report never holds secret values; read it before you share it)`;
  const where =
    typeof plugin === 'string'
      ? `Report it to the author of plugin "${plugin}" (the plugin's issue tracker, or whoever supplied it) with ${what}.`
      : reporting.url !== undefined
        ? `Report it at ${reporting.url} with ${what}.`
        : `Report it to the clusterprobe maintainers (or whoever supplied your copy) with ${what}.`;
  return {
    summary: `This is a bug in ${culpritName(plugin)}, not a problem of the cluster: report it`,
    steps: [
      reporting.debug
        ? {
            text: 'This run had --debug: the evidence of this finding holds the stack trace (whole in --json and --html; the terminal shortens long lines).',
          }
        : { text: 'Run the same command again with --debug: the evidence of this finding then holds the stack trace.' },
      { text: where },
    ],
  };
}
