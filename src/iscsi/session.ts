/**
 * A full-feature iSCSI session on one connection, implementing the SCSI layer's transport:
 * ITT allocation, the CmdSN window (RFC 1982 serial arithmetic, never past MaxCmdSN), ExpStatSN,
 * Data-In assembly with residuals, immediate, unsolicited and R2T-driven Data-Out, NOP-In pings,
 * asynchronous messages, Reject, and logout. Every command and the logout have time limits.
 */
import { randomBytes } from 'node:crypto';
import {
  ASYNC_EVENT,
  buildDataOut,
  buildLogoutRequest,
  buildNopOut,
  buildScsiCommand,
  decodeAsyncMessage,
  decodeDataIn,
  decodeLogoutResponse,
  decodeNopIn,
  decodeR2T,
  decodeReject,
  decodeScsiResponse,
  LOGOUT_REASON,
  OPCODE,
  OPCODE_NAMES,
  opcodeOf,
  RESERVED_TAG,
  type Pdu,
  type SequenceFields,
} from './pdu.ts';
import { IscsiConnection, formatPortal, parsePortal, type Portal } from './connection.ts';
import { login, IscsiRedirect, type ChapCredentials, type LoginResult, type NegotiatedParameters } from './login.ts';
import { IscsiConnectionError, IscsiProtocolError, IscsiRejectError, IscsiTimeoutError } from './errors.ts';
import type { ScsiRequest, ScsiResponse, ScsiTransport } from '../scsi/transport.ts';
import { commandName } from '../scsi/cdb.ts';

/** RFC 1982 serial number arithmetic on 32 bits: a < b. */
export function serialLt(a: number, b: number): boolean {
  return a !== b && ((a < b && b - a < 0x80000000) || (a > b && a - b > 0x80000000));
}
export function serialLe(a: number, b: number): boolean {
  return a === b || serialLt(a, b);
}

/** A random-type ISID (RFC 7143 10.12.5): T=10b, 24 random bits, and a 16-bit qualifier. */
export function randomIsid(qualifier = 0): Uint8Array {
  const r = randomBytes(3);
  return Uint8Array.of(0x80, r[0]!, r[1]!, r[2]!, (qualifier >> 8) & 0xff, qualifier & 0xff);
}

export function isidHex(isid: Uint8Array): string {
  return Buffer.from(isid).toString('hex');
}

export interface Timeouts {
  readonly connectMs: number;
  readonly loginMs: number;
  readonly commandMs: number;
  readonly logoutMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, loginMs: 15_000, commandMs: 30_000, logoutMs: 5_000 };

export interface SessionOptions {
  readonly portal: Portal | string;
  readonly initiatorName: string;
  readonly targetName: string;
  /** Keep it stable per simulated node: PR registrations belong to the initiator name + ISID. */
  readonly isid?: Uint8Array;
  readonly chap?: ChapCredentials;
  readonly timeouts?: Partial<Timeouts>;
  readonly digests?: 'offer' | 'require' | 'none';
  /** What we accept per Data-In PDU (declared to the target); default 262144. */
  readonly maxRecvDataSegmentLength?: number;
  readonly signal?: AbortSignal;
  /** Redirects followed at most this many times (a loop is an error). */
  readonly maxRedirects?: number;
}

interface Task {
  readonly itt: number;
  readonly lun: number;
  readonly expected: number;
  readonly buffer: Uint8Array;
  readonly dataOut: Uint8Array | undefined;
  received: number;
  readonly command: string;
  readonly resolve: (r: ScsiResponse) => void;
  readonly reject: (e: Error) => void;
  /** performance.now() past which the command has timed out. */
  readonly deadline: number;
}

export interface AsyncEventRecord {
  readonly event: number;
  readonly sense?: Uint8Array;
}

export class IscsiSession implements ScsiTransport {
  readonly portal: string;
  readonly initiatorName: string;
  readonly targetName: string;
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly parameters: NegotiatedParameters;
  readonly login: LoginResult;
  /** Redirects followed on the way in, for evidence. */
  readonly redirects: readonly string[];
  readonly asyncEvents: AsyncEventRecord[] = [];
  readonly #conn: IscsiConnection;
  readonly #timeouts: Timeouts;
  readonly #tasks = new Map<number, Task>();
  readonly #windowWaiters: (() => void)[] = [];
  #cmdSN: number;
  #expStatSN: number;
  #maxCmdSN: number;
  #expCmdSN: number;
  #nextItt = 0x100;
  #logout: { resolve: () => void; reject: (e: Error) => void; itt: number } | undefined;
  #closed: Error | undefined;
  #logoutRequested = false;
  #loggingOut: Promise<void> | undefined;
  #watchdog: NodeJS.Timeout | undefined;

  private constructor(
    conn: IscsiConnection,
    options: SessionOptions,
    result: LoginResult,
    isid: Uint8Array,
    timeouts: Timeouts,
    redirects: string[],
    initialCmdSN: number,
  ) {
    this.#conn = conn;
    this.portal = conn.label;
    this.initiatorName = options.initiatorName;
    this.targetName = options.targetName;
    this.isid = isid;
    this.tsih = result.tsih;
    this.parameters = result.parameters;
    this.login = result;
    this.redirects = redirects;
    this.#timeouts = timeouts;
    this.#cmdSN = initialCmdSN;
    this.#expStatSN = (result.statSN + 1) >>> 0;
    this.#maxCmdSN = result.maxCmdSN;
    this.#expCmdSN = result.expCmdSN;
    conn.setDigests({ headerDigest: result.parameters.headerDigest, dataDigest: result.parameters.dataDigest });
    conn.setMaxRecvDataSegment(result.parameters.maxRecvDataSegmentLength);
    conn.step = 'command';
    conn.setHandler((pdu) => this.#onPdu(pdu));
    conn.onClose((err) => this.#fail(err));
  }

  /** Connects, logs in (following redirects) and returns a session in full-feature phase. */
  static async open(options: SessionOptions): Promise<IscsiSession> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const isid = options.isid ?? randomIsid();
    let portal = typeof options.portal === 'string' ? parsePortal(options.portal) : options.portal;
    const redirects: string[] = [];
    for (;;) {
      const conn = await IscsiConnection.connect(portal, {
        timeoutMs: timeouts.connectMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const initialCmdSN = randomBytes(4).readUInt32BE(0);
      try {
        const result = await login(conn, {
          initiatorName: options.initiatorName,
          targetName: options.targetName,
          sessionType: 'Normal',
          isid,
          ...(options.chap ? { chap: options.chap } : {}),
          initialCmdSN,
          timeoutMs: timeouts.loginMs,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.digests ? { digests: options.digests } : {}),
          ...(options.maxRecvDataSegmentLength ? { maxRecvDataSegmentLength: options.maxRecvDataSegmentLength } : {}),
        });
        return new IscsiSession(conn, options, result, isid, timeouts, redirects, initialCmdSN);
      } catch (err) {
        conn.close();
        if (!(err instanceof IscsiRedirect)) throw err;
        const next = parsePortal(err.targetAddress.split(',')[0]!);
        const label = formatPortal(next);
        if (redirects.includes(label) || redirects.length >= (options.maxRedirects ?? 4)) {
          throw new IscsiProtocolError(
            `${formatPortal(portal)}: login redirect loop (${[...redirects, label].join(' -> ')}); check the target's portal group configuration`,
          );
        }
        redirects.push(label);
        portal = next;
      }
    }
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends one SCSI command and resolves with its status, data in and sense. */
  async execute(request: ScsiRequest): Promise<ScsiResponse> {
    if (this.#closed) throw this.#closed;
    if (this.#logoutRequested)
      throw new IscsiConnectionError(
        this.portal,
        'command',
        'ELOGOUT',
        'the target asked for a logout; open a new session',
      );
    const command = commandName(request.cdb);
    if (!serialLe(this.#cmdSN, this.#maxCmdSN)) await this.#waitForWindow(request.signal);
    const itt = this.#allocateItt();
    const dataOut = request.dataOut && request.dataOut.length > 0 ? request.dataOut : undefined;
    const expected = dataOut ? dataOut.length : request.dataInLength;
    return new Promise<ScsiResponse>((resolve, reject) => {
      const task: Task = {
        itt,
        lun: request.lun,
        expected,
        buffer: new Uint8Array(dataOut ? 0 : request.dataInLength),
        dataOut,
        received: 0,
        command,
        resolve: (r) => {
          this.#finish(task);
          resolve(r);
        },
        reject: (e) => {
          this.#finish(task);
          reject(e);
        },
        deadline: performance.now() + this.#timeouts.commandMs,
      };
      const onAbort = () =>
        task.reject(new IscsiConnectionError(this.portal, 'command', 'EABORT', `${command} cancelled`));
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.#tasks.set(itt, task);
      this.#armWatchdog();
      try {
        this.#sendCommand(task, request);
      } catch (err) {
        task.reject(err as Error);
      }
    });
  }

  /** Logs out (closing the session) and closes the connection. Safe to call twice. */
  /** Logs out; a second call while one is under way waits for the same logout. */
  logout(): Promise<void> {
    this.#loggingOut ??= this.#sendLogout();
    return this.#loggingOut;
  }

  async #sendLogout(): Promise<void> {
    if (this.#closed) return;
    const itt = this.#allocateItt();
    const done = new Promise<void>((resolve, reject) => {
      this.#logout = { resolve, reject, itt };
    });
    const timer = setTimeout(
      () =>
        this.#logout?.reject(
          new IscsiTimeoutError(this.portal, 'logout', this.#timeouts.logoutMs, 'no Logout Response'),
        ),
      this.#timeouts.logoutMs,
    );
    try {
      this.#conn.step = 'logout';
      this.#conn.send(
        buildLogoutRequest({
          reason: LOGOUT_REASON.CloseSession,
          initiatorTaskTag: itt,
          cid: 0,
          cmdSN: this.#cmdSN,
          expStatSN: this.#expStatSN,
        }),
      );
      await done;
    } finally {
      clearTimeout(timer);
      this.#logout = undefined;
      this.close();
    }
  }

  /** Closes the connection without a logout (outstanding commands fail). */
  close(): void {
    this.#conn.close();
  }

  #finish(task: Task): void {
    this.#tasks.delete(task.itt);
  }

  /**
   * One timer per session instead of one per command (timers were a measurable share of the
   * per-command cost): it fires at the earliest deadline, fails what expired, and re-arms.
   */
  #armWatchdog(): void {
    if (this.#watchdog) return;
    const earliest = this.#pendingDeadline();
    if (earliest === undefined) return;
    this.#watchdog = setTimeout(
      () => {
        this.#watchdog = undefined;
        const now = performance.now();
        for (const task of [...this.#tasks.values()]) {
          if (task.deadline <= now) {
            task.reject(
              new IscsiTimeoutError(
                this.portal,
                'command',
                this.#timeouts.commandMs,
                `${task.command} to LUN ${task.lun} of ${this.targetName} got no response`,
              ),
            );
          }
        }
        this.#armWatchdog();
      },
      Math.max(0, earliest - performance.now()) + 1,
    );
    // An outstanding command's socket keeps the process alive; the watchdog alone must not.
    this.#watchdog.unref();
  }

  #pendingDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const task of this.#tasks.values())
      if (earliest === undefined || task.deadline < earliest) earliest = task.deadline;
    return earliest;
  }

  #allocateItt(): number {
    for (;;) {
      const itt = this.#nextItt;
      this.#nextItt = (this.#nextItt + 1) >>> 0;
      if (itt !== RESERVED_TAG && itt !== 0 && !this.#tasks.has(itt)) return itt;
    }
  }

  async #waitForWindow(signal?: AbortSignal): Promise<void> {
    while (!serialLe(this.#cmdSN, this.#maxCmdSN)) {
      if (this.#closed) throw this.#closed;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new IscsiTimeoutError(
                this.portal,
                'command',
                this.#timeouts.commandMs,
                `the target kept its command window closed (MaxCmdSN ${this.#maxCmdSN}, next CmdSN ${this.#cmdSN})`,
              ),
            ),
          this.#timeouts.commandMs,
        );
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        signal?.addEventListener(
          'abort',
          () => reject(new IscsiConnectionError(this.portal, 'command', 'EABORT', 'cancelled')),
          { once: true },
        );
        this.#windowWaiters.push(wake);
      });
    }
  }

  #sendCommand(task: Task, request: ScsiRequest): void {
    const p = this.parameters;
    const maxSend = p.maxSendDataSegmentLength;
    const out = task.dataOut;
    let immediate: Uint8Array = new Uint8Array(0);
    let unsolicitedEnd = 0;
    if (out) {
      const firstBurst = Math.min(out.length, p.firstBurstLength);
      if (p.immediateData) immediate = out.subarray(0, Math.min(firstBurst, maxSend));
      unsolicitedEnd = p.initialR2T ? immediate.length : firstBurst;
    }
    const cmdSN = this.#cmdSN;
    this.#cmdSN = (this.#cmdSN + 1) >>> 0;
    const unsolicitedDataOut = out !== undefined && unsolicitedEnd > immediate.length;
    this.#conn.send(
      buildScsiCommand(
        {
          final: !unsolicitedDataOut,
          read: out === undefined && request.dataInLength > 0,
          write: out !== undefined,
          lun: request.lun,
          initiatorTaskTag: task.itt,
          expectedDataTransferLength: task.expected,
          cmdSN,
          expStatSN: this.#expStatSN,
          cdb: request.cdb,
        },
        immediate,
      ),
    );
    if (unsolicitedDataOut) this.#sendDataOut(task, RESERVED_TAG, immediate.length, unsolicitedEnd - immediate.length);
  }

  /** Data-Out PDUs for [offset, offset+length), each at most the target's MaxRecvDataSegmentLength. */
  #sendDataOut(task: Task, ttt: number, offset: number, length: number): void {
    const out = task.dataOut;
    if (!out)
      throw new IscsiProtocolError(
        `${this.portal}: the target asked for data the command does not have (ITT 0x${task.itt.toString(16)})`,
      );
    if (offset + length > out.length)
      throw new IscsiProtocolError(
        `${this.portal}: R2T asks for bytes ${offset}..${offset + length} of a ${out.length}-byte transfer`,
      );
    const max = this.parameters.maxSendDataSegmentLength;
    let dataSN = 0;
    for (let sent = 0; sent < length; ) {
      const n = Math.min(max, length - sent);
      this.#conn.send(
        buildDataOut(
          {
            final: sent + n >= length,
            lun: task.lun,
            initiatorTaskTag: task.itt,
            targetTransferTag: ttt,
            expStatSN: this.#expStatSN,
            dataSN,
            bufferOffset: offset + sent,
          },
          out.subarray(offset + sent, offset + sent + n),
        ),
      );
      sent += n;
      dataSN += 1;
    }
  }

  #updateSequence(fields: SequenceFields, carriesStatus: boolean): void {
    if (carriesStatus && serialLe(this.#expStatSN, fields.statSN)) this.#expStatSN = (fields.statSN + 1) >>> 0;
    // RFC 7143 4.2.2.1: update only when MaxCmdSN >= ExpCmdSN - 1 (serial) and the values advance.
    if (serialLe((fields.expCmdSN - 1) >>> 0, fields.maxCmdSN)) {
      if (serialLt(this.#expCmdSN, fields.expCmdSN)) this.#expCmdSN = fields.expCmdSN;
      if (serialLt(this.#maxCmdSN, fields.maxCmdSN)) {
        this.#maxCmdSN = fields.maxCmdSN;
        for (const wake of this.#windowWaiters.splice(0)) wake();
      }
    }
  }

  #onPdu(pdu: Pdu): void {
    try {
      this.#dispatch(pdu);
    } catch (err) {
      // A malformed PDU from the target ends the session: nothing after it can be trusted.
      this.#conn.close(err instanceof Error ? err : new IscsiProtocolError(String(err)));
    }
  }

  #dispatch(pdu: Pdu): void {
    const opcode = opcodeOf(pdu.bhs);
    switch (opcode) {
      case OPCODE.ScsiResponse: {
        const r = decodeScsiResponse(pdu);
        this.#updateSequence(r, true);
        const task = this.#tasks.get(r.initiatorTaskTag);
        if (!task) return; // a command we gave up on (timeout): its late answer is dropped
        if (r.response !== 0) {
          task.reject(
            new IscsiProtocolError(
              `${this.portal}: ${task.command}: the target reported iSCSI service response 0x${r.response.toString(16)} (target failure)`,
            ),
          );
          return;
        }
        const length = task.dataOut
          ? 0
          : r.underflow
            ? Math.max(0, Math.min(task.received, task.expected - r.residualCount))
            : task.received;
        task.resolve({
          status: r.status,
          data: task.buffer.subarray(0, length),
          ...(r.sense ? { sense: r.sense } : {}),
          residual: r.underflow ? r.residualCount : 0,
        });
        return;
      }
      case OPCODE.DataIn: {
        const d = decodeDataIn(pdu);
        this.#updateSequence(d, d.hasStatus);
        const task = this.#tasks.get(d.initiatorTaskTag);
        if (!task) return;
        if (d.bufferOffset + d.data.length > task.buffer.length) {
          task.reject(
            new IscsiProtocolError(
              `${this.portal}: ${task.command}: Data-In at offset ${d.bufferOffset} with ${d.data.length} bytes overruns the ${task.buffer.length}-byte allocation`,
            ),
          );
          return;
        }
        task.buffer.set(d.data, d.bufferOffset);
        task.received = Math.max(task.received, d.bufferOffset + d.data.length);
        if (d.hasStatus) {
          const length = d.underflow
            ? Math.max(0, Math.min(task.received, task.expected - d.residualCount))
            : task.received;
          task.resolve({
            status: d.status,
            data: task.buffer.subarray(0, length),
            residual: d.underflow ? d.residualCount : 0,
          });
        }
        return;
      }
      case OPCODE.R2T: {
        const r = decodeR2T(pdu);
        this.#updateSequence(r, false);
        const task = this.#tasks.get(r.initiatorTaskTag);
        if (!task) return;
        this.#sendDataOut(task, r.targetTransferTag, r.bufferOffset, r.desiredDataTransferLength);
        return;
      }
      case OPCODE.NopIn: {
        const n = decodeNopIn(pdu);
        this.#updateSequence(n, n.initiatorTaskTag !== RESERVED_TAG);
        if (n.targetTransferTag !== RESERVED_TAG) {
          // A ping from the target: answer with the same TTT, ITT reserved, immediate (RFC 7143 11.18).
          this.#conn.send(
            buildNopOut(
              {
                immediate: true,
                lun: 0,
                initiatorTaskTag: RESERVED_TAG,
                targetTransferTag: n.targetTransferTag,
                cmdSN: this.#cmdSN,
                expStatSN: this.#expStatSN,
              },
              n.data,
            ),
          );
        }
        return;
      }
      case OPCODE.AsyncMessage: {
        const a = decodeAsyncMessage(pdu);
        this.#updateSequence(a, true);
        const sense =
          a.asyncEvent === ASYNC_EVENT.ScsiAsyncEvent && a.data.length > 2
            ? a.data.slice(2, 2 + ((a.data[0]! << 8) | a.data[1]!))
            : undefined;
        this.asyncEvents.push({ event: a.asyncEvent, ...(sense ? { sense } : {}) });
        if (a.asyncEvent === ASYNC_EVENT.LogoutRequested) {
          this.#logoutRequested = true;
          if (this.#tasks.size === 0) void this.logout().catch(() => undefined);
        } else if (a.asyncEvent === ASYNC_EVENT.ConnectionDropping || a.asyncEvent === ASYNC_EVENT.SessionDropping) {
          this.#conn.close(
            new IscsiConnectionError(
              this.portal,
              'command',
              'EDROPPED',
              'the target announced it is dropping the connection',
            ),
          );
        }
        return;
      }
      case OPCODE.Reject: {
        const r = decodeReject(pdu);
        this.#updateSequence(r, true);
        const task = r.rejectedTaskTag !== undefined ? this.#tasks.get(r.rejectedTaskTag) : undefined;
        const error = new IscsiRejectError(`${this.portal}: the target rejected a PDU: ${r.reasonName}`, r.reason);
        if (task) task.reject(error);
        else if (this.#logout && r.rejectedTaskTag === this.#logout.itt) this.#logout.reject(error);
        return;
      }
      case OPCODE.LogoutResponse: {
        const l = decodeLogoutResponse(pdu);
        this.#updateSequence(l, true);
        if (this.#logout && l.initiatorTaskTag === this.#logout.itt) {
          if (l.response === 0) this.#logout.resolve();
          else this.#logout.reject(new IscsiProtocolError(`${this.portal}: logout refused (response ${l.response})`));
        }
        return;
      }
      default:
        throw new IscsiProtocolError(
          `${this.portal}: unexpected ${OPCODE_NAMES[opcode] ?? 'unknown'} PDU (opcode 0x${opcode.toString(16)}) in full-feature phase`,
        );
    }
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = err;
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    for (const task of [...this.#tasks.values()]) task.reject(err);
    for (const wake of this.#windowWaiters.splice(0)) wake();
    if (this.#logout) {
      // A target closing the connection right after (or instead of) the Logout Response is fine.
      this.#logout.resolve();
    }
  }
}
