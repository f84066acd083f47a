/**
 * One PowerShell process per run, through node-powershell, and a small protocol on top of it:
 *
 * - Inputs never become code. A script's parameters travel as JSON inside a base64 string (whose
 *   alphabet needs no quoting) and are read back with ConvertFrom-Json into `$p`; a script body
 *   reads `$p.nodes`, never an interpolated value. (node-powershell's own template converters
 *   quote strings without escaping `$`, backticks or quotes, so they are not used for values.)
 * - Outputs are JSON. The body's output is wrapped with the errors PowerShell recorded on the way
 *   (`$Error`: non-terminating ones such as a node Invoke-Command could not reach, and a
 *   terminating one that stopped the body) into one envelope, written by ConvertTo-Json on a
 *   line that starts with a marker, so that anything else a profile or module prints is noise,
 *   not data.
 * - Every run has a time limit. A run that passes it kills the process (a half-finished command
 *   would otherwise answer the next one); the next run starts a new process.
 */
import { access, constants } from 'node:fs/promises';
import { isAbsolute, posix, win32 } from 'node:path';
import { PowerShell } from 'node-powershell';
import { psList } from './ps-json.ts';
import type { PsErrorRecord } from '../facts/windows.ts';

/** The line prefix of the envelope; anything else on stdout is noise. */
export const ENVELOPE_MARKER = 'CLUSTERPROBE-JSON:';
/** The first line of every command: which script it is (for diagnostics and recordings). */
export const SCRIPT_MARKER = '# CLUSTERPROBE-SCRIPT:';

export interface PsScript<T> {
  /** Dotted name, e.g. `nodes.facts`; the recordings of the tests are keyed by it. */
  readonly name: string;
  /**
   * PowerShell code. Reads its inputs from `$p` only; what it outputs becomes the envelope's
   * `value` (one object stays an object, several become an array, as ConvertTo-Json does).
   */
  readonly body: string;
  /** ConvertTo-Json -Depth (default 6; PowerShell's own default of 2 silently flattens). */
  readonly depth?: number;
  /** Validates and normalises `value`; throws PsOutputError for anything unexpected. */
  parse(value: unknown): T;
}

// An ErrorRecord is part of the facts (nodes.facts, ad.directory): src/facts/windows.ts.
export type { PsErrorRecord };

export interface PsResult<T> {
  readonly value: T;
  /** Non-terminating errors recorded while the body ran (per node, for Invoke-Command). */
  readonly errors: PsErrorRecord[];
  /** Anything on stdout besides the envelope, and stderr: shown as evidence, never parsed. */
  readonly noise: string;
  readonly ms: number;
}

export type PsFailureCode = 'noPowerShell' | 'timeout' | 'aborted' | 'processExited' | 'badOutput' | 'scriptFailed';

/** A run that gave no usable value; `record` is the terminating ErrorRecord for scriptFailed. */
export class PowerShellError extends Error {
  override name = 'PowerShellError';
  readonly code: PsFailureCode;
  readonly script: string;
  readonly record?: PsErrorRecord;
  readonly errors: PsErrorRecord[];
  constructor(
    code: PsFailureCode,
    script: string,
    message: string,
    extra: { record?: PsErrorRecord; errors?: PsErrorRecord[] } = {},
  ) {
    super(message);
    this.code = code;
    this.script = script;
    if (extra.record) this.record = extra.record;
    this.errors = extra.errors ?? [];
  }
}

/** The envelope's value was not what the script's parser expects. */
export class PsOutputError extends Error {
  override name = 'PsOutputError';
}

/** The PowerShell that builds each envelope (and collects $Error) around a script body. */
function wrap(script: PsScript<unknown>, params: unknown): string {
  const payload = Buffer.from(JSON.stringify(params ?? {}), 'utf8').toString('base64');
  const depth = script.depth ?? 6;
  return [
    `${SCRIPT_MARKER}${script.name}`,
    '& {',
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    "$WarningPreference = 'SilentlyContinue'",
    // Windows PowerShell 5.1 writes the console in the OEM code page: OU=Zürich would arrive
    // garbled. The command itself is ASCII (the inputs are base64), so only the output needs it.
    'try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }',
    `$p = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${payload}')) | ConvertFrom-Json`,
    '$Error.Clear()',
    'function cpRecord($e) {',
    '  $computer = $null',
    "  if ($e.PSObject.Properties['OriginInfo'] -and $e.OriginInfo) { $computer = [string]$e.OriginInfo.PSComputerName }",
    '  elseif ($e.CategoryInfo -and $e.CategoryInfo.TargetName) { $computer = [string]$e.CategoryInfo.TargetName }',
    '  $exceptionType = ""',
    '  if ($e.Exception) { $exceptionType = $e.Exception.GetType().FullName }',
    '  @{ message = [string]$e.Exception.Message; fullyQualifiedErrorId = [string]$e.FullyQualifiedErrorId; category = [string]$e.CategoryInfo.Category; exceptionType = $exceptionType; computerName = $computer; targetObject = [string]$e.TargetObject }',
    '}',
    '$cpOk = $true; $cpValue = $null; $cpFailure = $null',
    'try {',
    `  $cpValue = & {\n${script.body}\n  }`,
    '} catch {',
    '  $cpOk = $false; $cpFailure = cpRecord $_',
    '}',
    '$cpErrors = @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { cpRecord $_ })',
    'if (-not $cpOk -and $cpErrors.Count -gt 0) { $cpErrors = @($cpErrors | Select-Object -Skip 1) }',
    `$cpJson = ConvertTo-Json -InputObject @{ ok = $cpOk; value = $cpValue; error = $cpFailure; errors = $cpErrors } -Depth ${depth} -Compress`,
    `[Console]::Out.WriteLine('${ENVELOPE_MARKER}' + $cpJson)`,
    '}',
  ].join('\n');
}

/** The command text sent for one run (exported for the tests: it must carry no input as code). */
export function buildCommand(script: PsScript<unknown>, params: unknown): string {
  return wrap(script, params);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function toRecord(value: unknown): PsErrorRecord | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const computerName = text(r.computerName);
  const targetObject = text(r.targetObject);
  return {
    message: text(r.message) ?? '(no message)',
    fullyQualifiedErrorId: text(r.fullyQualifiedErrorId) ?? '',
    category: text(r.category) ?? '',
    exceptionType: text(r.exceptionType) ?? '',
    ...(computerName ? { computerName } : {}),
    ...(targetObject ? { targetObject } : {}),
  };
}

/**
 * Reads the envelope out of what the command printed: the last line with the marker. Throws
 * PowerShellError badOutput when there is none or it is not the envelope; scriptFailed when the
 * body stopped with an error.
 */
export function parseEnvelope<T>(script: PsScript<T>, stdout: string, stderr: string, ms = 0): PsResult<T> {
  const lines = stdout.split(/\r?\n/);
  const index = lines.map((l) => l.startsWith(ENVELOPE_MARKER)).lastIndexOf(true);
  const noise = [...lines.filter((_, i) => i !== index), stderr]
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join('\n');
  if (index < 0)
    throw new PowerShellError(
      'badOutput',
      script.name,
      `${script.name}: PowerShell printed no result${noise ? `: ${noise.slice(0, 300)}` : ''}`,
    );
  let envelope: unknown;
  try {
    envelope = JSON.parse(lines[index]!.slice(ENVELOPE_MARKER.length));
  } catch (err) {
    throw new PowerShellError(
      'badOutput',
      script.name,
      `${script.name}: the result is not JSON (${(err as Error).message})`,
    );
  }
  if (envelope === null || typeof envelope !== 'object' || typeof (envelope as { ok?: unknown }).ok !== 'boolean') {
    throw new PowerShellError('badOutput', script.name, `${script.name}: the result is not clusterprobe's envelope`);
  }
  const e = envelope as { ok: boolean; value?: unknown; error?: unknown; errors?: unknown };
  const errors = psList(e.errors)
    .map(toRecord)
    .filter((r): r is PsErrorRecord => r !== undefined);
  if (!e.ok) {
    const record = toRecord(e.error);
    throw new PowerShellError('scriptFailed', script.name, `${script.name}: ${record?.message ?? 'failed'}`, {
      ...(record ? { record } : {}),
      errors,
    });
  }
  let value: T;
  try {
    value = script.parse(e.value ?? null);
  } catch (err) {
    throw new PowerShellError(
      'badOutput',
      script.name,
      `${script.name}: unexpected result: ${(err as Error).message}`,
      { errors },
    );
  }
  return { value, errors, noise, ms };
}

export interface PowerShellOptions {
  /** `pwsh`, `powershell`, or a path. Default: `powershell` on Windows, else `pwsh`. */
  readonly executable?: string;
  /** Per run unless the run says otherwise. Default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * Where `name` may be, in order. On Windows as libuv spawns (node-powershell starts PowerShell
 * without a shell): only `.com` and `.exe` (Node refuses to spawn a `.bat` or `.cmd` without a
 * shell, such as the pwsh.cmd that `npm i -g pwsh` puts on PATH, and an extensionless file there
 * is a sh script), and PATH entries may be in double quotes. The current directory is not searched.
 */
export function executableCandidates(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const windows = platform === 'win32';
  const path = windows ? win32 : posix;
  const exts = !windows ? [''] : /\.(com|exe)$/i.test(name) ? [''] : ['.com', '.exe'];
  if (path.isAbsolute(name) || name.includes('/') || (windows && name.includes('\\'))) return exts.map((e) => name + e);
  return (env.PATH ?? '')
    .split(windows ? ';' : ':')
    .map((dir) => (windows ? dir.replace(/^"(.*)"$/, '$1') : dir))
    .filter(Boolean)
    .flatMap((dir) => exts.map((e) => path.join(dir, name + e)));
}

async function findExecutable(name: string): Promise<string | undefined> {
  for (const c of executableCandidates(name)) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

type Shell = PowerShell;

/**
 * node-powershell, except that its NODE_POWERSHELL environment variable, which it prefers to the
 * executable it is given, cannot swap the PowerShell this run chose and found for another.
 */
class ChosenPowerShell extends PowerShell {
  protected override setExecutable({ executable }: { executable?: string }): string {
    return executable ?? super.setExecutable({});
  }
}

/** node-powershell's private exit promise: the one piece of its state we must reach. */
function exitOf(shell: Shell): Promise<void> | undefined {
  return (shell as unknown as { exitPromise?: Promise<void> }).exitPromise;
}

export class PowerShellSession {
  readonly executable: string;
  readonly #timeoutMs: number;
  #shell: Shell | undefined;
  #exited: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(executable: string, timeoutMs: number) {
    this.executable = executable;
    this.#timeoutMs = timeoutMs;
  }

  /** Finds the executable (noPowerShell when it is not there); the process starts on the first run. */
  static async open(options: PowerShellOptions = {}): Promise<PowerShellSession> {
    const name = options.executable ?? (process.platform === 'win32' ? 'powershell' : 'pwsh');
    const found = await findExecutable(name);
    if (!found)
      throw new PowerShellError('noPowerShell', 'open', `${name} was not found${isAbsolute(name) ? '' : ' on PATH'}`);
    return new PowerShellSession(found, options.timeoutMs ?? 120_000);
  }

  #start(): Shell {
    const shell = new ChosenPowerShell({
      executable: this.executable,
      executableOptions: { '-NoProfile': true, '-NonInteractive': true },
      throwOnInvocationError: false,
    });
    this.#exited = undefined;
    // node-powershell keeps its exit promise private and rejects it when the process dies; with
    // nobody waiting on it that would be an unhandled rejection. Observe it here.
    void exitOf(shell)?.catch((err: unknown) => {
      const e = err as { exitCode?: number | null; signalCode?: string | null; originalError?: Error };
      const how = e.signalCode
        ? `killed by ${e.signalCode}`
        : e.exitCode !== undefined && e.exitCode !== null
          ? `exited with code ${e.exitCode}`
          : 'exited';
      const why = e.originalError?.message ? `: ${e.originalError.message}` : '';
      this.#exited = new Error(`${how}${why}`);
    });
    return shell;
  }

  /** Runs one script; runs are queued (one PowerShell process, one command at a time). */
  run<T>(
    script: PsScript<T>,
    params: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<PsResult<T>> {
    const next = this.#queue.then(() => this.#run(script, params, options));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #run<T>(
    script: PsScript<T>,
    params: unknown,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<PsResult<T>> {
    if (options.signal?.aborted)
      throw new PowerShellError('aborted', script.name, `${script.name}: stopped before it started`);
    this.#shell ??= this.#start();
    const shell = this.#shell;
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PowerShellError(
              'timeout',
              script.name,
              `${script.name}: no answer from PowerShell within ${Math.round(timeoutMs / 1000)} s`,
            ),
          ),
        timeoutMs,
      );
      onAbort = () => reject(new PowerShellError('aborted', script.name, `${script.name}: stopped (interrupted)`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([shell.invoke(buildCommand(script as PsScript<unknown>, params)), stop]);
      // node-powershell returns a record without output when the process ended mid-command.
      if (result.stdout === undefined)
        throw new Error(this.#exited?.message ?? 'the process exited during the command');
      const stdout = result.stdout?.toString('utf8') ?? '';
      const stderr = result.stderr?.toString('utf8') ?? '';
      return parseEnvelope(script, stdout, stderr, Math.round(performance.now() - started));
    } catch (err) {
      if (err instanceof PowerShellError) {
        // A command still running would answer the next one: this process is done.
        if (err.code === 'timeout' || err.code === 'aborted') await this.#kill();
        throw err;
      }
      const why = this.#exited?.message ?? (err instanceof Error ? err.message : String(err));
      this.#shell = undefined;
      throw new PowerShellError(
        'processExited',
        script.name,
        `${script.name}: the PowerShell process (${this.executable}) ended: ${why.split('\n').filter(Boolean).slice(0, 3).join(' ')}`,
      );
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #kill(): Promise<void> {
    const shell = this.#shell;
    this.#shell = undefined;
    await shell?.dispose('SIGKILL').catch(() => undefined);
  }

  async close(): Promise<void> {
    const shell = this.#shell;
    this.#shell = undefined;
    await shell?.dispose().catch(() => undefined);
  }
}
