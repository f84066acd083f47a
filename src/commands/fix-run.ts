/** The body of `clusterprobe fix`: load the report, select the plan's actions, write the script. */
import { chmod, writeFile } from 'node:fs/promises';
import { extname, posix, resolve, win32 } from 'node:path';
import { psQuote, shQuote } from '../quote.ts';
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

/** The command that runs the written script first without changing anything, quoted for its shell. */
export function nextCommand(shell: FixShell, output: string): string {
  if (shell === 'sh') return `sh ${shQuote(output)}   (a dry run; add --apply to change)`;
  // PowerShell runs a script in the current directory only by a path that says so.
  const path =
    win32.isAbsolute(output) || posix.isAbsolute(output) || /^\.{1,2}[\\/]/.test(output) ? output : `.\\${output}`;
  return `& ${psQuote(path)} -WhatIf   (then -Confirm to be asked before each action)`;
}

/** What is odd about a script's file name for its shell: an sh script named .ps1, or the other way. */
function mismatchedExtension(shell: FixShell, output: string): string | undefined {
  const ext = extname(output).toLowerCase();
  if (shell === 'sh' && ext === '.ps1') return `${output} is an sh script (--shell sh), not PowerShell: name it .sh`;
  if (shell === 'powershell' && ext !== '.ps1')
    return `PowerShell runs a script only from a .ps1 file: name it ${output.replace(/\.[^./\\]*$/, '')}.ps1`;
  return undefined;
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
    // Windows PowerShell 5.1 reads a .ps1 without a byte order mark in the ANSI code page: a UTF-8
    // name would be misread, and bytes such as 0x91/0x92 (in Cyrillic letters' UTF-8) would become
    // the typographic quotes that end its strings. With the mark it reads UTF-8, as pwsh 7 does.
    await writeFile(resolve(options.output), options.shell === 'powershell' ? `\ufeff${script}` : script);
    if (options.shell === 'sh') await chmod(resolve(options.output), 0o755);
  } else options.stdout.write(script);
  const others = entries.length - inScript.length;
  const lines: string[] = [];
  if (entries.length === 0)
    lines.push(
      `clusterprobe fix: the plan has no action${options.only ? ' of those --only names' : ''}: the script changes nothing.`,
    );
  else {
    lines.push(
      `clusterprobe fix: ${options.output ?? 'the script'}: ${inScript.length} of ${entries.length} action${entries.length === 1 ? '' : 's'} in ${options.shell}${others > 0 ? ` (${others} listed as not in it: ${options.shell === 'sh' ? 'Windows or by hand' : 'sh or by hand'})` : ''}.`,
    );
    for (const e of entries)
      for (const d of e.outside) lines.push(`  ${e.action.key} comes after ${d.key}, which --only left out: ${d.why}`);
    lines.push(
      "  It runs the commands the report carries: write it from a report your own validate run wrote, and read it first (the dry run and -WhatIf run each action's read-only check).",
    );
    if (options.output !== undefined) lines.push(`  Next: ${nextCommand(options.shell, options.output)}`);
    const mismatch = options.output !== undefined && mismatchedExtension(options.shell, options.output);
    if (mismatch) lines.push(`  Note: ${mismatch}`);
  }
  options.stderr.write(`${lines.join('\n')}\n`);
  return { exitCode: EXIT.pass, script, inScript, selected: entries.map((e) => e.action.key) };
}
