/**
 * prtool (test/lab/libiscsi/prtool.c): SCSI-3 Persistent Reservations through libiscsi, an
 * initiator independent of clusterprobe's own, to cross-check its results and to benchmark against.
 *
 * `buildPrTool()` compiles the C source once per source hash into a cache directory under
 * os.tmpdir() (`cc -O2 -o <cache>/prtool prtool.c -liscsi`, Debian packages gcc + libiscsi-dev);
 * `prKeys`, `prReservation` and `prBench` run the binary with a timeout and parse its one JSON line.
 *
 * prtool bounds every network call itself (libiscsi's iscsi_set_timeout plus a watchdog thread),
 * and the process timeout here is the last line of defence.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError, runTool, LabCommandError } from './tgt.ts';

export const PRTOOL_SOURCE = fileURLToPath(new URL('./libiscsi/prtool.c', import.meta.url));

const BOOTSTRAP = 'run `sh scripts/bootstrap.sh` as root (it installs libiscsi-dev)';

/** prtool ran but reported a failure (`{"error":...}`, exit 1) or printed something unexpected. */
export class PrToolError extends LabError {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(message: string, fields: { command: string; exitCode: number | null; stdout: string; stderr: string }) {
    super('PRTOOL_FAILED', message);
    this.name = 'PrToolError';
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
  }
}

// ---------------------------------------------------------------------------------------------
// Build

const SYSTEM_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

/** The C compiler: $CC when it names one, else cc, gcc or clang on PATH or in the system dirs. */
export function findCompiler(): string | undefined {
  const fromEnv = process.env.CC;
  if (fromEnv && !/\s/.test(fromEnv)) {
    if (fromEnv.includes('/')) return existsSync(fromEnv) ? fromEnv : undefined;
  }
  const names = fromEnv && !/\s/.test(fromEnv) ? [fromEnv] : ['cc', 'gcc', 'clang'];
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SYSTEM_DIRS];
  for (const name of names) {
    for (const d of dirs) {
      const p = join(d, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

let building: Promise<string> | undefined;

/**
 * Compiles prtool.c (only when no binary for this source hash is cached) and returns the
 * binary's path. Throws a LabError naming what is missing when the compiler or libiscsi's
 * headers/library are absent.
 */
export function buildPrTool(): Promise<string> {
  building ??= build().catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}

async function build(): Promise<string> {
  const source = await readFile(PRTOOL_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'clusterprobe-prtool', hash);
  const binary = join(dir, 'prtool');
  if (existsSync(binary)) return binary;

  const cc = findCompiler();
  if (!cc) {
    throw new LabError(
      'PRTOOL_NO_COMPILER',
      `no C compiler (cc, gcc or clang; or $CC) found to build ${PRTOOL_SOURCE}: install gcc and libc6-dev, then ${BOOTSTRAP}`,
    );
  }
  await mkdir(dir, { recursive: true });
  // Compile to a private name, then rename: two test processes may build at the same time.
  const tmp = join(dir, `prtool.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await runTool(cc, ['-O2', '-o', tmp, PRTOOL_SOURCE, '-liscsi'], { timeoutMs: 120_000, cwd: dir });
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof LabCommandError && !e.timedOut) {
      const out = `${e.stderr}\n${e.stdout}`;
      if (/iscsi\/(iscsi|scsi-lowlevel)\.h/.test(out) && /No such file|not found/i.test(out)) {
        throw new LabError(
          'PRTOOL_NO_LIBISCSI_DEV',
          `libiscsi's headers (iscsi/iscsi.h, Debian package libiscsi-dev) are missing, so ${PRTOOL_SOURCE} cannot be built: ${BOOTSTRAP}`,
        );
      }
      if (/cannot find -liscsi|library not found for -liscsi/.test(out)) {
        throw new LabError(
          'PRTOOL_NO_LIBISCSI_DEV',
          `the linker cannot find libiscsi (-liscsi; Debian package libiscsi-dev): ${BOOTSTRAP}`,
        );
      }
      if (/stdio\.h|stdint\.h/.test(out) && /No such file/.test(out)) {
        throw new LabError(
          'PRTOOL_NO_LIBC_DEV',
          `the C library headers are missing (Debian package libc6-dev), so ${PRTOOL_SOURCE} cannot be built: install gcc and libc6-dev, then ${BOOTSTRAP}`,
        );
      }
      throw new LabError('PRTOOL_BUILD_FAILED', `building ${PRTOOL_SOURCE} failed:\n${e.message}`);
    }
    throw e;
  }
  await rename(tmp, binary);
  return binary;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface PrKeysResult {
  generation: number;
  /** `0x` + 16 lower-case hex digits each, in the target's order. */
  keys: string[];
}

export type PrReservationResult = { generation: number; key: string; type: number } | { generation: number; key: null };

export interface PrBenchResult {
  tool: 'libiscsi';
  /** Wall time of one sequence (10 commands over two sessions), averaged over the iterations. */
  perSequenceMs: number;
  /** Connect + login + TEST UNIT READY of both sessions, one after the other. */
  loginMs: number;
  iterations: number;
  /** UNIT ATTENTIONs answered (and retried) during the loop; tgt sends one 2A/03 per PREEMPT. */
  unitAttentions: number;
}

export interface PrToolOptions {
  /** Kill prtool after this long. Defaults: 60 s; for bench 60 s + 50 ms per iteration. */
  timeoutMs?: number;
  /** prtool's own bound for one PDU (`--timeout`, seconds; prtool's default is 10). */
  commandTimeoutS?: number;
}

export interface PrBenchOptions extends PrToolOptions {
  initiatorA: string;
  initiatorB: string;
  iterations: number;
}

const KEY = /^0x[0-9a-f]{16}$/;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

async function runPrTool(args: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  const binary = await buildPrTool();
  const r = await runTool(binary, args, { timeoutMs, allowFailure: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  const fields = { command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  const obj =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  if (obj && typeof obj.error === 'string') {
    throw new PrToolError(`${r.command}: ${obj.error}`, fields);
  }
  if (r.exitCode !== 0 || !obj) {
    throw new PrToolError(
      `${r.command} exited with ${r.exitCode} without a JSON result\nstdout: ${r.stdout.trim().slice(-2000)}\nstderr: ${r.stderr.trim().slice(-2000)}`,
      fields,
    );
  }
  return obj;
}

function commonArgs(options: PrToolOptions): string[] {
  return options.commandTimeoutS === undefined ? [] : ['--timeout', String(options.commandTimeoutS)];
}

function malformed(what: string, obj: unknown): never {
  throw new LabError('PRTOOL_BAD_OUTPUT', `prtool ${what} printed an unexpected result: ${JSON.stringify(obj)}`);
}

/** PERSISTENT RESERVE IN / READ KEYS through libiscsi (one login, one command, logout). */
export async function prKeys(url: string, initiator?: string, options: PrToolOptions = {}): Promise<PrKeysResult> {
  const args = ['keys', url, ...(initiator ? ['--initiator', initiator] : []), ...commonArgs(options)];
  const obj = await runPrTool(args, options.timeoutMs ?? 60_000);
  const keys = obj.keys;
  if (
    !isCount(obj.generation) ||
    !Array.isArray(keys) ||
    !keys.every((k): k is string => typeof k === 'string' && KEY.test(k))
  )
    malformed('keys', obj);
  return { generation: obj.generation, keys };
}

/** PERSISTENT RESERVE IN / READ RESERVATION through libiscsi. */
export async function prReservation(
  url: string,
  initiator?: string,
  options: PrToolOptions = {},
): Promise<PrReservationResult> {
  const args = ['reservation', url, ...(initiator ? ['--initiator', initiator] : []), ...commonArgs(options)];
  const obj = await runPrTool(args, options.timeoutMs ?? 60_000);
  if (!isCount(obj.generation)) malformed('reservation', obj);
  if (obj.key === null) return { generation: obj.generation, key: null };
  if (typeof obj.key !== 'string' || !KEY.test(obj.key) || !isCount(obj.type)) malformed('reservation', obj);
  return { generation: obj.generation, key: obj.key, type: obj.type };
}

/**
 * Two sessions (initiatorA, initiatorB), then `iterations` times: READ KEYS (A); A and B REGISTER
 * AND IGNORE EXISTING KEY; A RESERVE type 5; B READ RESERVATION; B PREEMPT A; B RELEASE; B and A
 * unregister; READ KEYS (A). Every status must be GOOD (unit attentions are retried and counted).
 */
export async function prBench(url: string, options: PrBenchOptions): Promise<PrBenchResult> {
  if (!Number.isInteger(options.iterations) || options.iterations < 1)
    throw new RangeError(`iterations must be a positive integer, not ${options.iterations}`);
  const args = [
    'bench',
    url,
    '--initiator-a',
    options.initiatorA,
    '--initiator-b',
    options.initiatorB,
    '--iterations',
    String(options.iterations),
    ...commonArgs(options),
  ];
  const obj = await runPrTool(args, options.timeoutMs ?? 60_000 + 50 * options.iterations);
  const ok =
    obj.tool === 'libiscsi' &&
    typeof obj.perSequenceMs === 'number' &&
    typeof obj.loginMs === 'number' &&
    obj.iterations === options.iterations &&
    isCount(obj.unitAttentions);
  if (!ok) malformed('bench', obj);
  return {
    tool: 'libiscsi',
    perSequenceMs: obj.perSequenceMs as number,
    loginMs: obj.loginMs as number,
    iterations: options.iterations,
    unitAttentions: obj.unitAttentions as number,
  };
}
