/** The body of `clusterprobe fix`: load the report, select the plan's actions, write the script. */
import { chmod, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadReport } from '../engine/report-file.ts';
import { EXIT } from '../engine/exit.ts';
import { renderPowerShellFix } from '../report/fix-powershell.ts';
import { renderShFix } from '../report/fix-sh.ts';
import { type FixShell, selectActions } from '../report/fix-script.ts';
import { assertWritable } from './output-file.ts';
import type { Output, RunResult } from './run-types.ts';

/** What `fix` runs with: its flags as plain values. */
export interface FixRunOptions {
  /** The report saved with `validate --json`. */
  readonly from: string;
  readonly shell: FixShell;
  /** Write the script here; absent: to stdout. */
  readonly output?: string | undefined;
  /** Action keys or kinds, from --only. */
  readonly only?: readonly string[] | undefined;
  readonly stdout: Output;
  /** Where the one-line account of what was written goes. */
  readonly stderr: Output;
}

/** What `fix` ends with: the script and the actions in it; exit 0. */
export interface FixRunResult extends RunResult {
  readonly script: string;
  /** The keys of the actions the script applies (the others it lists as not in it). */
  readonly inScript: readonly string[];
  readonly selected: readonly string[];
}

export async function runFix(options: FixRunOptions): Promise<FixRunResult> {
  if (options.output !== undefined) await assertWritable('output', options.output);
  const report = await loadReport(resolve(options.from));
  const entries = selectActions(report, options.only);
  const script =
    options.shell === 'powershell'
      ? renderPowerShellFix(report, entries, options.from)
      : renderShFix(report, entries, options.from);
  const inScript = entries.filter((e) => e.action.script?.[options.shell] !== undefined).map((e) => e.action.key);
  if (options.output !== undefined) {
    await writeFile(resolve(options.output), script);
    if (options.shell === 'sh') await chmod(resolve(options.output), 0o755);
  } else options.stdout.write(script);
  const others = entries.length - inScript.length;
  const run =
    options.shell === 'powershell'
      ? `run it with -WhatIf first${options.output ? `: & ${options.output} -WhatIf` : ''}`
      : `it is a dry run unless given --apply${options.output ? `: sh ${options.output}` : ''}`;
  options.stderr.write(
    entries.length === 0
      ? `clusterprobe fix: the plan has no action${options.only ? ' of those --only names' : ''}: the script changes nothing.\n`
      : `clusterprobe fix: ${options.output ?? 'the script'}: ${inScript.length} of ${entries.length} action${entries.length === 1 ? '' : 's'} in ${options.shell}${others > 0 ? ` (${others} listed as not in it: ${options.shell === 'sh' ? 'Windows or by hand' : 'sh or by hand'})` : ''}; ${run}.\n`,
  );
  return { exitCode: EXIT.pass, script, inScript, selected: entries.map((e) => e.action.key) };
}
