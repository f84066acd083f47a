/**
 * A ScsiTransport for one local Linux SCSI device (`/dev/sdX`, `/dev/sgN`, a multipath member)
 * that runs sg3_utils instead of speaking iSCSI: each CDB the SCSI layer hands over is decoded and
 * mapped onto one invocation of `sg_persist`, `sg_inq`, `sg_readcap` or `sg_turs` (no shell; the
 * device is one argv element). Their output is parsed back into the response bytes the target
 * sent, so the decoders in src/scsi work unchanged, and their exit status (sg3_utils(8), EXIT
 * STATUS) becomes a SCSI status with sense data, so ScsiDevice raises the same typed errors an
 * iSCSI target would cause. Tools run with `-vv`, whose stderr carries the target's raw sense
 * bytes and the data-in transfer count; those are preferred over what the exit status implies.
 *
 * Facts of sg3_utils 1.46 (sg_persist 0.67) this relies on, read from its source and checked
 * against tgt through test/lab/sgshim.ts:
 * - `sg_persist -HH` prints PRIN data as a hex dump (offset, then up to 16 bytes, no ASCII) of
 *   8 + ADDITIONAL LENGTH bytes, whatever was transferred; REPORT CAPABILITIES always 8 bytes.
 *   Its allocation length is at most 8192 (`--maxlen`); sg_inq's `--len` at most 65532.
 * - `-n` skips the INQUIRY sg_persist otherwise sends first, so one CDB is one command.
 * - Device open failures exit 50 + errno (52 ENOENT, 63 EACCES, 56 ENXIO), not 15; a node that
 *   is not a SCSI device fails SG_IO with ENOTTY (75) or EINVAL (72).
 * - `sg_readcap` without `--16` silently retries with READ CAPACITY(16) when READ CAPACITY(10)
 *   is an invalid opcode, and then prints 32 bytes.
 *
 * REPORT LUNS is answered here, without running anything, as one LUN 0: a device node is one
 * logical unit, and `request.lun` is ignored for the same reason.
 */
import { execFile } from 'node:child_process';
import { commandName, OPCODE, PRIN_SERVICE_ACTION, PROUT_SERVICE_ACTION, SAI_READ_CAPACITY_16 } from './cdb.ts';
import { SENSE_KEY } from './sense.ts';
import { SCSI_STATUS } from './status.ts';
import type { ScsiRequest, ScsiResponse, ScsiTransport } from './transport.ts';

export interface SgRunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Added to (or, undefined, removed from) the inherited environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface SgRunResult {
  /** Exit status; null when the process died of a signal. */
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** True when the runner killed the process because timeoutMs expired. */
  readonly timedOut?: boolean;
}

/**
 * Runs one tool without a shell. Resolves when the process has exited; rejects when it could not
 * be started (the error's `code` is then 'ENOENT', 'EACCES'...) or was aborted through the signal.
 */
export type SgRunner = (file: string, args: readonly string[], opts: SgRunOptions) => Promise<SgRunResult>;

export interface SgTransportOptions {
  /** Absolute path of the device node, e.g. /dev/sdb or /dev/disk/by-id/wwn-0x... */
  readonly device: string;
  /** Per tool invocation; default 30 s (the tools' own SCSI command timeout is 60 s). */
  readonly timeoutMs?: number;
  readonly run?: SgRunner;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type SgTransportErrorCode =
  /** The sg3_utils tool is not installed or not executable. */
  | 'ESGTOOLMISSING'
  /** The device node cannot be opened or is not a SCSI device. */
  | 'ESGDEVICE'
  /** A CDB this transport does not map onto sg3_utils. */
  | 'ESGUNSUPPORTED'
  /** Tool output that cannot be parsed into response bytes. */
  | 'ESGOUTPUT'
  | 'ESGTIMEOUT'
  /** Any other failure of the tool: syntax, transport or OS error after the open. */
  | 'ESGTOOL';

export class SgTransportError extends Error {
  readonly code: SgTransportErrorCode;
  override name = 'SgTransportError';
  readonly device: string;
  /** e.g. 'PERSISTENT RESERVE IN (READ KEYS)'. */
  readonly command: string;
  readonly tool: string | undefined;
  readonly args: readonly string[] | undefined;
  readonly exitCode: number | null | undefined;
  /** For exit statuses 51..96: the errno name sg3_utils encoded (ENOENT, EACCES...). */
  readonly errno: string | undefined;
  readonly stderr: string | undefined;
  /** What to do about it. */
  readonly remedy: string;
  constructor(
    code: SgTransportErrorCode,
    message: string,
    fields: {
      device: string;
      command: string;
      remedy: string;
      tool?: string;
      args?: readonly string[];
      exitCode?: number | null;
      errno?: string;
      stderr?: string;
    },
  ) {
    super(message);
    this.code = code;
    this.device = fields.device;
    this.command = fields.command;
    this.remedy = fields.remedy;
    this.tool = fields.tool;
    this.args = fields.args;
    this.exitCode = fields.exitCode;
    this.errno = fields.errno;
    this.stderr = fields.stderr;
  }
}

const INSTALL =
  'install sg3-utils (Debian/Ubuntu: apt-get install sg3-utils; RHEL/SUSE: sg3_utils) and make sure the tools are on PATH';
const MAX_OUTPUT = 16 * 1024 * 1024;
/** sg_persist 0.67: MX_ALLOC_LEN. */
const SG_PERSIST_MAX_ALLOC = 8192;
/** sg_inq 1.46: the largest --len. */
const SG_INQ_MAX_ALLOC = 65532;

/** The default runner: node:child_process execFile, no shell, SIGKILL on timeout. */
export const execFileRunner: SgRunner = (file, args, opts) =>
  new Promise((resolve, reject) => {
    let env: NodeJS.ProcessEnv | undefined;
    if (opts.env !== undefined) {
      env = { ...process.env };
      for (const [k, v] of Object.entries(opts.env)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
    }
    execFile(
      file,
      [...args],
      {
        encoding: 'buffer',
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        windowsHide: true,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(env ? { env } : {}),
      },
      (error, stdout, stderr) => {
        const e = error as
          | (NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null })
          | null;
        if (e && typeof e.code === 'string') return reject(e);
        if (e && opts.signal?.aborted) return reject(opts.signal.reason);
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout,
          stderr: stderr.toString('utf8'),
          timedOut: e?.killed === true && e.signal === 'SIGKILL',
        });
      },
    );
  });

// ---------------------------------------------------------------------------------------------
// Output parsing

const HEX_BYTE = /^[0-9a-fA-F]{2}$/;

/**
 * Parses sg3_utils' hex2stdout(..., no_ascii=1) dump: lines of an offset in hex and 1..16 bytes.
 * Returns undefined when a line is anything else or the offsets do not follow each other.
 */
export function parseSgHexDump(text: string): Uint8Array | undefined {
  const out: number[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const [offset, ...bytes] = line.split(/\s+/);
    if (offset === undefined || !/^[0-9a-fA-F]+$/.test(offset) || Number.parseInt(offset, 16) !== out.length)
      return undefined;
    if (bytes.length < 1 || bytes.length > 16 || !bytes.every((b) => HEX_BYTE.test(b))) return undefined;
    for (const b of bytes) out.push(Number.parseInt(b, 16));
  }
  return Uint8Array.from(out);
}

/** `-vv` on stderr: " Raw sense data (in hex), sb_len=18, embedded_len=18" then indented hex lines. */
export function parseSgRawSense(stderr: string): Uint8Array | undefined {
  const lines = stderr.split('\n');
  let found: Uint8Array | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = /Raw sense data \(in hex\), sb_len=(\d+)(?:, embedded_len=(\d+))?/.exec(lines[i]!);
    if (!m) continue;
    const want = Math.min(Number(m[1]), m[2] !== undefined ? Number(m[2]) : Number.MAX_SAFE_INTEGER);
    const bytes: number[] = [];
    for (let j = i + 1; j < lines.length && bytes.length < want; j++) {
      const tokens = lines[j]!.trim().split(/\s+/);
      if (!/^\s/.test(lines[j]!) || !tokens.every((t) => HEX_BYTE.test(t))) break;
      for (const t of tokens) bytes.push(Number.parseInt(t, 16));
    }
    if (bytes.length >= want && want >= 8) found = Uint8Array.from(bytes.slice(0, want));
  }
  return found;
}

/** `-vv` on stderr when fewer bytes came than were asked for: "requested N bytes (data-in), got  got M bytes". */
export function parseSgDataInCount(stderr: string): number | undefined {
  let count: number | undefined;
  for (const m of stderr.matchAll(/requested (\d+) bytes \(data-in\), got\s+(?:got\s+)?(-?\d+) bytes/g))
    count = Math.max(0, Number(m[2]));
  return count;
}

/** `-v` on stderr: "    Persistent reservation out cdb: [5f 01 05 ...]". */
function parseSgCdbEcho(stderr: string, leadin: string): Uint8Array | undefined {
  const m = new RegExp(`${leadin} cdb: \\[([0-9a-fA-F ]+)\\]`).exec(stderr);
  return m
    ? Uint8Array.from(
        m[1]!
          .trim()
          .split(/\s+/)
          .map((b) => Number.parseInt(b, 16)),
      )
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Exit statuses

/** Fixed-format sense (SPC-4 4.5.3): 8 bytes without ASC/ASCQ when unknown, 18 with them. */
function syntheticSense(senseKey: number, asc?: number, ascq?: number): Uint8Array {
  if (asc === undefined) return Uint8Array.of(0x70, 0, senseKey, 0, 0, 0, 0, 0);
  const s = new Uint8Array(18);
  s[0] = 0x70;
  s[2] = senseKey;
  s[7] = 10;
  s[12] = asc;
  s[13] = ascq ?? 0;
  return s;
}

type ExitMeaning =
  | { readonly status: number }
  | { readonly senseKey: number; readonly asc?: number; readonly ascq?: number };

/** sg3_utils(8) EXIT STATUS, SG_LIB_CAT_* in sg_lib.h. */
const EXIT_MEANINGS: Readonly<Record<number, ExitMeaning>> = {
  2: { senseKey: SENSE_KEY.NOT_READY },
  3: { senseKey: SENSE_KEY.MEDIUM_ERROR },
  5: { senseKey: SENSE_KEY.ILLEGAL_REQUEST },
  6: { senseKey: SENSE_KEY.UNIT_ATTENTION },
  7: { senseKey: SENSE_KEY.DATA_PROTECT },
  9: { senseKey: SENSE_KEY.ILLEGAL_REQUEST, asc: 0x20, ascq: 0x00 },
  10: { senseKey: SENSE_KEY.COPY_ABORTED },
  11: { senseKey: SENSE_KEY.ABORTED_COMMAND },
  14: { senseKey: SENSE_KEY.MISCOMPARE },
  17: { senseKey: SENSE_KEY.ILLEGAL_REQUEST },
  18: { senseKey: SENSE_KEY.MEDIUM_ERROR },
  20: { senseKey: SENSE_KEY.NO_SENSE },
  21: { senseKey: SENSE_KEY.RECOVERED_ERROR },
  22: { senseKey: SENSE_KEY.ILLEGAL_REQUEST, asc: 0x21, ascq: 0x00 },
  24: { status: SCSI_STATUS.RESERVATION_CONFLICT },
  25: { status: 0x04 },
  26: { status: 0x08 },
  27: { status: 0x28 },
  28: { status: 0x30 },
  29: { status: 0x40 },
  40: { senseKey: SENSE_KEY.ABORTED_COMMAND },
  41: { senseKey: SENSE_KEY.ABORTED_COMMAND },
  98: { senseKey: SENSE_KEY.VENDOR_SPECIFIC },
};

/** Linux errno numbers (asm-generic/errno-base.h) sg3_utils encodes as 50 + errno. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  6: 'ENXIO',
  13: 'EACCES',
  16: 'EBUSY',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  25: 'ENOTTY',
  30: 'EROFS',
};

// ---------------------------------------------------------------------------------------------
// The transport

interface Invocation {
  readonly tool: string;
  readonly args: readonly string[];
  /** Turns a successful run into data-in bytes (before the allocation length is applied). */
  readonly parse?: (result: SgRunResult) => Uint8Array | ScsiResponse;
}

function be32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

function key(bytes: Uint8Array, offset: number): string {
  return `0x${Buffer.from(bytes.subarray(offset, offset + 8)).toString('hex')}`;
}

export class SgTransport implements ScsiTransport {
  readonly device: string;
  readonly #timeoutMs: number;
  readonly #run: SgRunner;
  readonly #env: Readonly<Record<string, string | undefined>> | undefined;

  constructor(options: SgTransportOptions) {
    // An absolute path cannot be taken for an option by the tools' getopt.
    if (typeof options.device !== 'string' || !options.device.startsWith('/') || options.device.includes('\0')) {
      throw new RangeError(`device must be an absolute path such as /dev/sdb, not ${JSON.stringify(options.device)}`);
    }
    this.device = options.device;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#run = options.run ?? execFileRunner;
    this.#env = options.env;
  }

  async execute(request: ScsiRequest): Promise<ScsiResponse> {
    request.signal?.throwIfAborted();
    const command = commandName(request.cdb);
    if (request.cdb[0] === OPCODE.REPORT_LUNS) return this.#reportLuns(request);
    const invocation = this.#map(request, command);
    let result: SgRunResult;
    try {
      result = await this.#run(invocation.tool, invocation.args, {
        timeoutMs: this.#timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
        ...(this.#env ? { env: this.#env } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOEXEC') {
        throw this.#error(
          'ESGTOOLMISSING',
          command,
          `${invocation.tool} cannot be run (${code}) for ${this.device}`,
          INSTALL,
          invocation,
        );
      }
      throw this.#error(
        'ESGTOOL',
        command,
        `${invocation.tool} on ${this.device} failed to run: ${(error as Error).message}`,
        'see the message',
        invocation,
      );
    }
    if (result.timedOut)
      throw this.#error(
        'ESGTIMEOUT',
        command,
        `${invocation.tool} on ${this.device} did not finish within ${this.#timeoutMs} ms`,
        'check the device path and the storage connection (multipath -ll, dmesg)',
        invocation,
        result,
      );
    if (result.code === null)
      throw this.#error(
        'ESGTOOL',
        command,
        `${invocation.tool} on ${this.device} died of a signal`,
        'see dmesg',
        invocation,
        result,
      );
    if (result.code === 0) {
      const parsed = invocation.parse ? invocation.parse(result) : new Uint8Array(0);
      if (!(parsed instanceof Uint8Array)) return parsed;
      const transferred = parseSgDataInCount(result.stderr) ?? request.dataInLength;
      const data = parsed.subarray(0, Math.min(parsed.length, request.dataInLength, transferred));
      return { status: SCSI_STATUS.GOOD, data, residual: request.dataInLength - data.length };
    }
    return this.#failure(result, invocation, command, request);
  }

  #failure(result: SgRunResult, invocation: Invocation, command: string, request: ScsiRequest): ScsiResponse {
    const code = result.code!;
    const meaning = EXIT_MEANINGS[code];
    if (meaning !== undefined) {
      if ('status' in meaning)
        return { status: meaning.status, data: new Uint8Array(0), residual: request.dataInLength };
      const real = parseSgRawSense(result.stderr);
      const sense =
        real !== undefined && (real[0]! & 0x7f) >= 0x70 && (real[0]! & 0x7f) <= 0x73
          ? real
          : syntheticSense(meaning.senseKey, meaning.asc, meaning.ascq);
      return { status: SCSI_STATUS.CHECK_CONDITION, data: new Uint8Array(0), sense, residual: request.dataInLength };
    }
    if (code === 33)
      throw this.#error(
        'ESGTIMEOUT',
        command,
        `${invocation.tool}: the command to ${this.device} timed out`,
        'check the storage connection (multipath -ll, dmesg)',
        invocation,
        result,
      );
    if (code === 97)
      throw this.#error(
        'ESGOUTPUT',
        command,
        `${invocation.tool}: the response from ${this.device} failed its sanity checks (exit 97)`,
        'the device returned malformed data: report it to the storage vendor',
        invocation,
        result,
      );
    if (code === 15 || (code > 50 && code < 97)) {
      const errno = code === 15 ? undefined : (ERRNO_NAMES[code - 50] ?? `errno ${code - 50}`);
      const opening = /error opening file|open error|failed to open/i.test(result.stderr) || code === 15;
      if (opening || errno === 'ENOTTY' || errno === 'EINVAL') {
        const remedy =
          errno === 'ENOENT' || errno === 'ENXIO' || errno === 'ENODEV'
            ? 'check storage.devices: the device node does not exist (lsblk, ls -l /dev/disk/by-id)'
            : errno === 'EACCES' || errno === 'EPERM'
              ? 'run clusterprobe as root, or as a user in the group that owns the device (usually "disk")'
              : errno === 'ENOTTY' || errno === 'EINVAL'
                ? 'the path is not a SCSI device (SG_IO is refused): use a /dev/sdX, /dev/sgN or /dev/mapper multipath device'
                : 'check the device path and its permissions';
        const what = errno === 'ENOTTY' || errno === 'EINVAL' ? 'is not a SCSI device' : 'cannot be opened';
        throw this.#error(
          'ESGDEVICE',
          command,
          `${this.device} ${what} (${invocation.tool} exit ${code}${errno ? `, ${errno}` : ''})`,
          remedy,
          invocation,
          result,
          errno,
        );
      }
      throw this.#error(
        'ESGTOOL',
        command,
        `${invocation.tool} on ${this.device}: OS error ${errno ?? ''} (exit ${code})`,
        'see dmesg and the tool output',
        invocation,
        result,
        errno,
      );
    }
    if (code === 126 || code === 127)
      throw this.#error(
        'ESGTOOLMISSING',
        command,
        `${invocation.tool} cannot be run (exit ${code})`,
        INSTALL,
        invocation,
        result,
      );
    const why =
      code === 1 || code === 31
        ? 'rejected its arguments'
        : code === 99
          ? 'met a transport or OS error'
          : `exited with ${code}`;
    throw this.#error(
      'ESGTOOL',
      command,
      `${invocation.tool} on ${this.device} ${why}: ${lastLine(result.stderr)}`,
      'see the tool output in `stderr`',
      invocation,
      result,
    );
  }

  #error(
    code: SgTransportErrorCode,
    command: string,
    message: string,
    remedy: string,
    invocation: Invocation,
    result?: SgRunResult,
    errno?: string,
  ): SgTransportError {
    return new SgTransportError(code, `${command}: ${message}`, {
      device: this.device,
      command,
      remedy,
      tool: invocation.tool,
      args: invocation.args,
      ...(result ? { exitCode: result.code, stderr: result.stderr } : {}),
      ...(errno ? { errno } : {}),
    });
  }

  #unsupported(command: string, why: string): SgTransportError {
    return new SgTransportError('ESGUNSUPPORTED', `${command}: ${why}`, {
      device: this.device,
      command,
      remedy: 'this command is not available through sg3_utils; use the iSCSI transport',
    });
  }

  #outputError(
    command: string,
    tool: string,
    args: readonly string[],
    result: SgRunResult,
    why: string,
  ): SgTransportError {
    return new SgTransportError(
      'ESGOUTPUT',
      `${command}: cannot parse the output of ${tool} for ${this.device}: ${why}`,
      {
        device: this.device,
        command,
        remedy: 'report this with the tool output (sg3_utils version: sg_persist -V)',
        tool,
        args,
        exitCode: result.code,
        stderr: result.stderr,
      },
    );
  }

  #reportLuns(request: ScsiRequest): ScsiResponse {
    // SPC-4 6.33.2: LUN LIST LENGTH (8), reserved, one LUN entry of zeros (LUN 0).
    const full = Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const data = full.subarray(0, Math.min(full.length, request.dataInLength));
    return { status: SCSI_STATUS.GOOD, data, residual: request.dataInLength - data.length };
  }

  #map(request: ScsiRequest, command: string): Invocation {
    const cdb = request.cdb;
    switch (cdb[0]) {
      case OPCODE.TEST_UNIT_READY:
        return { tool: 'sg_turs', args: ['-vv', this.device] };
      case OPCODE.INQUIRY:
        return this.#inquiry(request, command);
      case OPCODE.READ_CAPACITY_10:
        if (cdb.length !== 10 || cdb.subarray(1, 9).some((b) => b !== 0))
          throw this.#unsupported(command, 'only READ CAPACITY(10) with LBA 0 and PMI 0 is mapped');
        return {
          tool: 'sg_readcap',
          args: ['--raw', '-vv', this.device],
          parse: (r) => this.#readCapacity10(r, request, command),
        };
      case OPCODE.SERVICE_ACTION_IN_16:
        if (
          ((cdb[1] ?? 0) & 0x1f) !== SAI_READ_CAPACITY_16 ||
          cdb.length !== 16 ||
          cdb.subarray(2, 10).some((b) => b !== 0) ||
          ((cdb[14] ?? 0) & 0x01) !== 0
        ) {
          throw this.#unsupported(command, 'only READ CAPACITY(16) with LBA 0 and PMI 0 is mapped');
        }
        return {
          tool: 'sg_readcap',
          args: ['--16', '--raw', '-vv', this.device],
          parse: (r) => this.#exactRaw(r, 32, 'sg_readcap', command),
        };
      case OPCODE.PERSISTENT_RESERVE_IN:
        return this.#prin(request, command);
      case OPCODE.PERSISTENT_RESERVE_OUT:
        return this.#prout(request, command);
      default:
        throw this.#unsupported(
          command,
          `operation code 0x${(cdb[0] ?? 0).toString(16).padStart(2, '0')} is not mapped onto sg3_utils`,
        );
    }
  }

  #inquiry(request: ScsiRequest, command: string): Invocation {
    const cdb = request.cdb;
    if (cdb.length !== 6 || ((cdb[1] ?? 0) & 0xfe) !== 0)
      throw this.#unsupported(command, 'CMDDT and obsolete INQUIRY bits are not mapped');
    const allocation = ((cdb[3] ?? 0) << 8) | (cdb[4] ?? 0);
    if (allocation === 0)
      throw this.#unsupported(
        command,
        'an ALLOCATION LENGTH of 0 cannot be passed to sg_inq (--len=0 means its default)',
      );
    const len = `--len=${Math.min(allocation, SG_INQ_MAX_ALLOC)}`;
    const evpd = ((cdb[1] ?? 0) & 0x01) !== 0;
    if (!evpd && cdb[2] !== 0) throw this.#unsupported(command, 'PAGE CODE without EVPD');
    // --force: no VPD page 0 check first, so one CDB is one command.
    const args = evpd
      ? [`--page=0x${(cdb[2] ?? 0).toString(16).padStart(2, '0')}`, '--force', len, '--raw', '-vv', this.device]
      : [len, '--raw', '-vv', this.device];
    return { tool: 'sg_inq', args, parse: (r) => r.stdout };
  }

  #readCapacity10(result: SgRunResult, request: ScsiRequest, command: string): Uint8Array | ScsiResponse {
    // sg_readcap falls back to READ CAPACITY(16) when (10) is an invalid opcode: report what the target said to (10).
    if (result.stdout.length === 32 && /read capacity\(16\) cdb/i.test(result.stderr)) {
      return {
        status: SCSI_STATUS.CHECK_CONDITION,
        data: new Uint8Array(0),
        sense: syntheticSense(SENSE_KEY.ILLEGAL_REQUEST, 0x20, 0x00),
        residual: request.dataInLength,
      };
    }
    return this.#exactRaw(result, 8, 'sg_readcap', command);
  }

  #exactRaw(result: SgRunResult, length: number, tool: string, command: string): Uint8Array {
    if (result.stdout.length !== length)
      throw this.#outputError(
        command,
        tool,
        [],
        result,
        `expected ${length} bytes on stdout, got ${result.stdout.length}`,
      );
    return result.stdout;
  }

  #prin(request: ScsiRequest, command: string): Invocation {
    const cdb = request.cdb;
    const sa = (cdb[1] ?? 0) & 0x1f;
    const flag = (
      {
        [PRIN_SERVICE_ACTION.READ_KEYS]: '--read-keys',
        [PRIN_SERVICE_ACTION.READ_RESERVATION]: '--read-reservation',
        [PRIN_SERVICE_ACTION.REPORT_CAPABILITIES]: '--report-capabilities',
        [PRIN_SERVICE_ACTION.READ_FULL_STATUS]: '--read-full-status',
      } as Readonly<Record<number, string>>
    )[sa];
    if (cdb.length !== 10 || flag === undefined)
      throw this.#unsupported(
        command,
        'sg_persist knows READ KEYS, READ RESERVATION, REPORT CAPABILITIES and READ FULL STATUS only',
      );
    const allocation = ((cdb[7] ?? 0) << 8) | (cdb[8] ?? 0);
    if (allocation === 0) throw this.#unsupported(command, 'an ALLOCATION LENGTH of 0 cannot be passed to sg_persist');
    const args = [
      '-n',
      '--in',
      flag,
      '-HH',
      '-vv',
      `--maxlen=${Math.min(allocation, SG_PERSIST_MAX_ALLOC)}`,
      this.device,
    ];
    return {
      tool: 'sg_persist',
      args,
      parse: (result) => {
        const bytes = parseSgHexDump(result.stdout.toString('latin1'));
        if (bytes === undefined)
          throw this.#outputError(command, 'sg_persist', args, result, 'stdout is not a hex dump');
        if (sa === PRIN_SERVICE_ACTION.REPORT_CAPABILITIES) {
          if (bytes.length !== 8)
            throw this.#outputError(
              command,
              'sg_persist',
              args,
              result,
              `REPORT CAPABILITIES printed ${bytes.length} bytes, 8 expected`,
            );
          return bytes;
        }
        // sg_persist prints 8 + ADDITIONAL LENGTH bytes: a shorter dump was cut off.
        if (bytes.length < 8 || bytes.length !== 8 + be32(bytes, 4)) {
          throw this.#outputError(
            command,
            'sg_persist',
            args,
            result,
            `the dump holds ${bytes.length} bytes${bytes.length >= 8 ? ` but ADDITIONAL LENGTH says ${8 + be32(bytes, 4)}` : ''}`,
          );
        }
        return bytes;
      },
    };
  }

  #prout(request: ScsiRequest, command: string): Invocation {
    const cdb = request.cdb;
    const sa = (cdb[1] ?? 0) & 0x1f;
    const flag = (
      {
        [PROUT_SERVICE_ACTION.REGISTER]: '--register',
        [PROUT_SERVICE_ACTION.REGISTER_AND_IGNORE_EXISTING_KEY]: '--register-ignore',
        [PROUT_SERVICE_ACTION.RESERVE]: '--reserve',
        [PROUT_SERVICE_ACTION.RELEASE]: '--release',
        [PROUT_SERVICE_ACTION.PREEMPT]: '--preempt',
        [PROUT_SERVICE_ACTION.PREEMPT_AND_ABORT]: '--preempt-abort',
      } as Readonly<Record<number, string>>
    )[sa];
    if (sa === PROUT_SERVICE_ACTION.CLEAR)
      throw this.#unsupported(command, "clusterprobe never sends CLEAR: it would drop every node's registration");
    if (cdb.length !== 10 || flag === undefined)
      throw this.#unsupported(
        command,
        'only REGISTER, REGISTER AND IGNORE EXISTING KEY, RESERVE, RELEASE, PREEMPT and PREEMPT AND ABORT are mapped',
      );
    const scope = (cdb[2] ?? 0) >> 4;
    const type = (cdb[2] ?? 0) & 0x0f;
    if (scope !== 0) throw this.#unsupported(command, 'sg_persist always sends LU_SCOPE');
    const p = request.dataOut;
    const listLength = be32(cdb, 5);
    // SPC-4 6.16.3 basic parameter list: RESERVATION KEY 0-7, SERVICE ACTION RESERVATION KEY 8-15,
    // obsolete 16-19, byte 20 SPEC_I_PT (0x08) ALL_TG_PT (0x04) APTPL (0x01), 21-23 reserved.
    if (p === undefined || p.length !== 24 || listLength !== 24)
      throw this.#unsupported(command, 'only the 24-byte basic parameter list is mapped (no TransportIDs)');
    if ((p[20]! & 0x08) !== 0) throw this.#unsupported(command, 'SPEC_I_PT with TransportIDs is not mapped');
    if (p.subarray(16, 20).some((b) => b !== 0) || (p[20]! & 0xf2) !== 0 || p.subarray(21, 24).some((b) => b !== 0)) {
      throw this.#unsupported(command, 'obsolete or reserved parameter list bits are set; sg_persist cannot send them');
    }
    const args = [
      '-n',
      '--out',
      flag,
      `--param-rk=${key(p, 0)}`,
      `--param-sark=${key(p, 8)}`,
      `--prout-type=${type}`,
      ...((p[20]! & 0x04) !== 0 ? ['--param-alltgpt'] : []),
      ...((p[20]! & 0x01) !== 0 ? ['--param-aptpl'] : []),
      '-vv',
      this.device,
    ];
    return {
      tool: 'sg_persist',
      args,
      parse: (result) => {
        const echoed = parseSgCdbEcho(result.stderr, 'Persistent reservation out');
        if (echoed !== undefined && Buffer.compare(Buffer.from(echoed), Buffer.from(cdb)) !== 0) {
          throw this.#outputError(
            command,
            'sg_persist',
            args,
            result,
            `it sent the CDB ${Buffer.from(echoed).toString('hex')} instead of ${Buffer.from(cdb).toString('hex')}`,
          );
        }
        return new Uint8Array(0);
      },
    };
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}
