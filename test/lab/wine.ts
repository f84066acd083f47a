/**
 * Windows programs under Wine, for the smoke test of the Windows executable: `startWine()` makes a
 * private prefix (once per test file), `WineLab.run()` runs a program in it and collects its output.
 *
 * Facts this relies on (Debian bookworm's wine64, Wine 8.0; see ../../../shared/LAB.md):
 * - The loader is /usr/lib/wine/wine64; Debian puts no `wine64` on PATH.
 * - A new prefix starts as Windows 7, which Node refuses ("Node.js is only supported on Windows
 *   8.1, Windows Server 2012 R2, or higher", exit 216): `winecfg /v win10` once.
 * - `wineboot --init` takes ~25 s here when it looks for Wine Mono and Gecko (not installed);
 *   disabling mscoree and mshtml for that one run brings it to ~12 s. The prefix is ~700 MB.
 * - Node's stdout and stderr under Wine must be files: a pipe gives `Error: open EBADF` at the
 *   first write (node:net's Socket on a handle Wine reports as unknown). So every run writes to
 *   files in a temp dir and the files are read afterwards.
 * - Wine's powershell.exe is a stub that prints a FIXME and exits 0 at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Debian's Wine loader for 64-bit programs. */
export const WINE64 = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

export interface WineResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run, in ms. */
  ms: number;
  timedOut: boolean;
}

export interface WineRunOptions {
  /** Extra environment (Wine passes the Unix environment on to the Windows program). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface WineLab {
  readonly prefix: string;
  /** How long making the prefix (or setting a kept one to Windows 10) took. */
  readonly setupMs: number;
  /** Runs a Windows program (a Unix path to the .exe) with its stdout and stderr in files. */
  run(program: string, args: readonly string[], options?: WineRunOptions): Promise<WineResult>;
  /** Stops the prefix's wineserver and removes the prefix (unless it was given to be kept). */
  stop(): Promise<void>;
}

/** Why Wine cannot run here (a skip reason), or undefined when it can. */
export function wineUnavailable(): string | undefined {
  if (process.platform !== 'linux' || arch() !== 'x64')
    return `the Wine smoke test runs on x86-64 Linux (this is ${process.platform}/${arch()})`;
  if (!existsSync(WINE64))
    return `Wine is not installed (${WINE64} is missing): apt-get install wine64 (.ci/run installs it through scripts/bootstrap.sh)`;
  return undefined;
}

/** The Windows path Wine gives a Unix path (drive Z: is the Unix root). */
export function winePath(path: string): string {
  return `Z:${resolve(path).replaceAll('/', '\\')}`;
}

/** Wine's environment: no colour or test hints from the caller, a quiet log, the prefix. */
function wineEnv(prefix: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', ...extra })) {
    if (v === undefined || ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'DISPLAY'].includes(k))
      continue;
    env[k] = v;
  }
  return env;
}

async function runIn(
  prefix: string,
  outDir: string,
  command: string,
  args: readonly string[],
  options: WineRunOptions = {},
): Promise<WineResult> {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const outPath = join(outDir, `${id}.out`);
  const errPath = join(outDir, `${id}.err`);
  const [out, err] = await Promise.all([open(outPath, 'w'), open(errPath, 'w')]);
  const started = performance.now();
  let timedOut = false;
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
      const child = spawn(command, [...args], {
        cwd: options.cwd ?? process.cwd(),
        env: wineEnv(prefix, options.env),
        stdio: ['ignore', out.fd, err.fd],
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 60_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      child.on('exit', (c, s) => {
        clearTimeout(timer);
        done({ code: c, signal: s });
      });
    });
    const ms = Math.round(performance.now() - started);
    await Promise.all([out.close(), err.close()]);
    const [stdout, stderr] = await Promise.all([readFile(outPath, 'utf8'), readFile(errPath, 'utf8')]);
    await Promise.all([rm(outPath, { force: true }), rm(errPath, { force: true })]);
    return { code, signal, stdout, stderr, ms, timedOut };
  } finally {
    await Promise.allSettled([out.close(), err.close()]);
  }
}

export interface StartWineOptions {
  /**
   * A prefix to use and keep (made when missing), for repeated local runs; default
   * $CLUSTERPROBE_WINEPREFIX, else a fresh temp dir removed by stop() or when the process exits.
   */
  prefix?: string;
}

/** Makes (or reuses) a Windows 10 prefix. Throws with Wine's own output when that fails. */
export async function startWine(options: StartWineOptions = {}): Promise<WineLab> {
  const unavailable = wineUnavailable();
  if (unavailable) throw new Error(unavailable);
  const kept = options.prefix ?? process.env.CLUSTERPROBE_WINEPREFIX;
  const work = await mkdtemp(join(tmpdir(), 'clusterprobe-wine-'));
  const prefix = kept ? resolve(kept) : join(work, 'prefix');
  // The prefix is large: never leave it behind, even when the test process is interrupted.
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  process.once('exit', cleanup);
  const outDir = join(work, 'out');
  await mkdir(outDir);

  const started = performance.now();
  // A marker, not system.reg: Wine writes the registry files only when its wineserver exits.
  const ready = join(prefix, '.clusterprobe-ready');
  if (!existsSync(ready)) {
    const boot = await runIn(prefix, outDir, WINE64, ['wineboot', '--init'], {
      env: { WINEDLLOVERRIDES: 'mscoree,mshtml=' },
      timeoutMs: 180_000,
    });
    if (boot.code !== 0) throw new Error(`wineboot --init failed (exit ${boot.code}): ${boot.stderr.slice(-2000)}`);
  }
  // Also on a kept prefix: it may have been made by hand, as Windows 7.
  const win10 = await runIn(prefix, outDir, WINE64, ['winecfg', '/v', 'win10'], { timeoutMs: 60_000 });
  if (win10.code !== 0) throw new Error(`winecfg /v win10 failed (exit ${win10.code}): ${win10.stderr.slice(-2000)}`);
  await writeFile(ready, '');
  const setupMs = Math.round(performance.now() - started);

  return {
    prefix,
    setupMs,
    run: (program, args, runOptions) => runIn(prefix, outDir, WINE64, [program, ...args], runOptions),
    async stop() {
      await runIn(prefix, outDir, WINESERVER, ['-k'], { timeoutMs: 15_000 }).catch(() => undefined);
      process.off('exit', cleanup);
      cleanup();
    },
  };
}
