/** Output files a command writes (--html, --junit, --save-facts, fix's --output): refused before the run when they cannot be written. */
import { access, constants, stat } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import { UsageError } from '../engine/errors.ts';
import { psQuote, shQuote } from '../quote.ts';

export type OutputFlag = 'junit' | 'html' | 'save-facts' | 'output';

/**
 * Refuses, with exit 2, an output path that cannot be written: a directory, a missing or read-only
 * directory. The example path and the command that fixes it are in `platform`'s syntax (Windows:
 * backslashes and a PowerShell command; `mkdir -p` is sh's, cmd would make a directory named -p).
 */
export async function assertWritable(
  flag: OutputFlag,
  file: string,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const path = platform === 'win32' ? win32 : posix;
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory())
    throw new UsageError(
      `--${flag} ${file}: is a directory; give a file name (e.g. ${path.join(file, `${flag === 'output' ? 'fix-plan.ps1' : `preflight.${flag === 'junit' ? 'xml' : flag === 'html' ? 'html' : 'json'}`}`)})`,
    );
  const target = info ? file : path.dirname(file);
  try {
    await access(target, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const mkdir =
        platform === 'win32'
          ? `PowerShell: New-Item -ItemType Directory -Path ${psQuote(target)}`
          : `mkdir -p ${shQuote(target)}`;
      throw new UsageError(
        `--${flag} ${file}: the directory ${target} does not exist; create it (${mkdir}) or choose another path`,
      );
    }
    throw new UsageError(
      `--${flag} ${file}: ${info ? 'the file' : `the directory ${target}`} is not writable (${code ?? String(err)})`,
    );
  }
}
