/**
 * Exit codes, as DESIGN.md fixes them: 0 pass, 1 internal error, 2 usage or config error,
 * 3 at least one failure, 4 warnings only with `--fail-on warn`. A check that errored counts as
 * a failure of the preflight (something could not be verified). 130 is the shell's convention
 * for an interrupted run.
 */
export const EXIT = { pass: 0, internal: 1, usage: 2, fail: 3, warn: 4, interrupted: 130 } as const;
