/**
 * What the commands' run functions (`*-run.ts`) share with the commands: where a run writes, and
 * the exit code it hands back. A run takes plain options and returns a result; the command (see
 * BaseCommand) turns the result into the process's exit code and owns signals and process globals.
 */

/** A stream a run writes to: process.stdout or process.stderr from a command, an in-memory stream in a test. */
export type Output = NodeJS.WritableStream & {
  /** Whether it is a terminal (colours, the spinner view). */
  readonly isTTY?: boolean;
  /** Its width in characters, when it is a terminal. */
  readonly columns?: number;
};

/** What every run returns: the exit code DESIGN.md assigns to its outcome. */
export interface RunResult {
  readonly exitCode: number;
}
