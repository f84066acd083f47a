/**
 * iSCSI PDUs (RFC 7143 section 11): the 48-byte Basic Header Segment, optional Additional Header
 * Segments, and a data segment padded to a multiple of 4. One builder per initiator PDU, one
 * decoder per target PDU, field names as the RFC writes them. Sequence numbers are unsigned
 * 32-bit; LUNs use the SAM single-level encoding.
 */
import { ByteReader, ByteWriter } from '../codec/bytes.ts';
import { crc32c, digestBytes } from './crc32c.ts';
import { IscsiProtocolError } from './errors.ts';

export const BHS_LENGTH = 48;
/** ITT/TTT value meaning "none" (RFC 7143 11.18, 11.19). */
export const RESERVED_TAG = 0xffffffff;

export const OPCODE = {
  // initiator
  NopOut: 0x00,
  ScsiCommand: 0x01,
  TaskManagementRequest: 0x02,
  LoginRequest: 0x03,
  TextRequest: 0x04,
  DataOut: 0x05,
  LogoutRequest: 0x06,
  SnackRequest: 0x10,
  // target
  NopIn: 0x20,
  ScsiResponse: 0x21,
  TaskManagementResponse: 0x22,
  LoginResponse: 0x23,
  TextResponse: 0x24,
  DataIn: 0x25,
  LogoutResponse: 0x26,
  R2T: 0x31,
  AsyncMessage: 0x32,
  Reject: 0x3f,
} as const;

export const OPCODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(OPCODE).map(([k, v]) => [v, k]),
);

export interface Pdu {
  readonly bhs: Uint8Array;
  readonly ahs: Uint8Array;
  readonly data: Uint8Array;
}

export interface DigestOptions {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
}

export const NO_DIGESTS: DigestOptions = { headerDigest: false, dataDigest: false };

// ---- field access -------------------------------------------------------------------------

// Every field goes through the codec's reader and writer (src/codec/bytes.ts); bench/codec.ts
// measures them against the hand-written accessors they replaced.

/** A reader over a BHS; `structure` names the PDU in a decode error. */
function bhsReader(bhs: Uint8Array, structure: string): ByteReader {
  return new ByteReader(bhs, structure);
}

export function opcodeOf(bhs: Uint8Array): number {
  return bhsReader(bhs, 'BHS').u8(0, 'Opcode') & 0x3f;
}
export function totalAhsLengthOf(bhs: Uint8Array): number {
  return bhsReader(bhs, 'BHS').u8(4, 'TotalAHSLength') * 4;
}
export function dataSegmentLengthOf(bhs: Uint8Array): number {
  return bhsReader(bhs, 'BHS').u24(5, 'DataSegmentLength');
}

export function padded(length: number): number {
  return (length + 3) & ~3;
}

/** SAM-2 single level LUN: peripheral addressing below 256, flat space addressing above. */
export function encodeLun(lun: number): Uint8Array {
  return new ByteWriter(8).u16(0, lunWord(lun)).bytes;
}

/** The first two bytes of the 8-byte LUN field; the other six are zero. */
function lunWord(lun: number): number {
  if (!Number.isInteger(lun) || lun < 0 || lun > 0x3fff) throw new RangeError(`LUN ${lun} out of range 0..16383`);
  return lun < 256 ? lun : 0x4000 | lun;
}

// ---- serialisation ----------------------------------------------------------------------

/** Assembles a PDU for the wire: header, AHS, header digest, data, padding, data digest. */
export function serializePdu(pdu: Pdu, digests: DigestOptions = NO_DIGESTS): Uint8Array {
  const dataLength = pdu.data.length;
  const headerLength = BHS_LENGTH + pdu.ahs.length;
  const total =
    headerLength + (digests.headerDigest ? 4 : 0) + padded(dataLength) + (dataLength > 0 && digests.dataDigest ? 4 : 0);
  const w = new ByteWriter(total)
    .set(0, pdu.bhs)
    .u8(4, pdu.ahs.length / 4) // TotalAHSLength, in 4-byte words
    .u24(5, dataLength) // DataSegmentLength
    .set(BHS_LENGTH, pdu.ahs);
  const out = w.bytes;
  let offset = headerLength;
  if (digests.headerDigest) {
    out.set(digestBytes(crc32c(out, 0, headerLength)), offset);
    offset += 4;
  }
  out.set(pdu.data, offset);
  const dataStart = offset;
  offset += padded(dataLength);
  if (dataLength > 0 && digests.dataDigest) out.set(digestBytes(crc32c(out, dataStart, offset)), offset);
  return out;
}

function header(opcode: number, immediate: boolean, flags: number): ByteWriter {
  return new ByteWriter(BHS_LENGTH).u8(0, (immediate ? 0x40 : 0) | opcode).u8(1, flags);
}

// ---- initiator PDUs ---------------------------------------------------------------------

export const STAGE = { Security: 0, LoginOperational: 1, FullFeature: 3 } as const;
export type Stage = (typeof STAGE)[keyof typeof STAGE];

export interface LoginRequestFields {
  readonly transit: boolean;
  readonly continue: boolean;
  readonly csg: Stage;
  readonly nsg: Stage;
  /** 6 bytes. */
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly initiatorTaskTag: number;
  readonly cid: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

/** Login Request (RFC 7143 11.12): always immediate. */
export function buildLoginRequest(f: LoginRequestFields, data: Uint8Array): Pdu {
  const bhs = header(
    OPCODE.LoginRequest,
    true,
    (f.transit ? 0x80 : 0) | (f.continue ? 0x40 : 0) | (f.csg << 2) | (f.transit ? f.nsg : 0),
  );
  bhs.u8(2, 0x00); // Version-max
  bhs.u8(3, 0x00); // Version-min
  bhs.set(8, f.isid.subarray(0, 6));
  bhs.u16(14, f.tsih);
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u16(20, f.cid);
  bhs.u32(24, f.cmdSN);
  bhs.u32(28, f.expStatSN);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data };
}

export interface TextRequestFields {
  readonly final: boolean;
  readonly continue: boolean;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly immediate: boolean;
}

/** Text Request (RFC 7143 11.10). */
export function buildTextRequest(f: TextRequestFields, data: Uint8Array): Pdu {
  const bhs = header(OPCODE.TextRequest, f.immediate, (f.final ? 0x80 : 0) | (f.continue ? 0x40 : 0));
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u32(20, f.targetTransferTag);
  bhs.u32(24, f.cmdSN);
  bhs.u32(28, f.expStatSN);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data };
}

export const TASK_ATTRIBUTE = { Untagged: 0, Simple: 1, Ordered: 2, HeadOfQueue: 3, ACA: 4 } as const;

export interface ScsiCommandFields {
  readonly final: boolean;
  readonly read: boolean;
  readonly write: boolean;
  readonly lun: number;
  readonly initiatorTaskTag: number;
  readonly expectedDataTransferLength: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  /** Up to 16 bytes; longer CDBs would need an extended-CDB AHS, which no command here uses. */
  readonly cdb: Uint8Array;
}

/** SCSI Command (RFC 7143 11.3), simple task attribute. */
export function buildScsiCommand(f: ScsiCommandFields, immediateData: Uint8Array = new Uint8Array(0)): Pdu {
  if (f.cdb.length > 16) throw new RangeError(`CDB of ${f.cdb.length} bytes needs an extended CDB AHS`);
  const bhs = header(
    OPCODE.ScsiCommand,
    false,
    (f.final ? 0x80 : 0) | (f.read ? 0x40 : 0) | (f.write ? 0x20 : 0) | TASK_ATTRIBUTE.Simple,
  );
  bhs.u16(8, lunWord(f.lun)); // LUN
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u32(20, f.expectedDataTransferLength);
  bhs.u32(24, f.cmdSN);
  bhs.u32(28, f.expStatSN);
  bhs.set(32, f.cdb);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data: immediateData };
}

export interface DataOutFields {
  readonly final: boolean;
  readonly lun: number;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly expStatSN: number;
  readonly dataSN: number;
  readonly bufferOffset: number;
}

/** SCSI Data-Out (RFC 7143 11.7). */
export function buildDataOut(f: DataOutFields, data: Uint8Array): Pdu {
  const bhs = header(OPCODE.DataOut, false, f.final ? 0x80 : 0);
  bhs.u16(8, lunWord(f.lun)); // LUN
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u32(20, f.targetTransferTag);
  bhs.u32(28, f.expStatSN);
  bhs.u32(36, f.dataSN);
  bhs.u32(40, f.bufferOffset);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data };
}

export interface NopOutFields {
  readonly immediate: boolean;
  readonly lun: number;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

/** NOP-Out (RFC 7143 11.18); a ping answer echoes the NOP-In's TTT and data with ITT 0xFFFFFFFF. */
export function buildNopOut(f: NopOutFields, data: Uint8Array = new Uint8Array(0)): Pdu {
  const bhs = header(OPCODE.NopOut, f.immediate, 0x80);
  bhs.u16(8, lunWord(f.lun)); // LUN
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u32(20, f.targetTransferTag);
  bhs.u32(24, f.cmdSN);
  bhs.u32(28, f.expStatSN);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data };
}

export const LOGOUT_REASON = { CloseSession: 0, CloseConnection: 1, RemoveConnectionForRecovery: 2 } as const;

export interface LogoutRequestFields {
  readonly reason: number;
  readonly initiatorTaskTag: number;
  readonly cid: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

/** Logout Request (RFC 7143 11.14), sent immediate. */
export function buildLogoutRequest(f: LogoutRequestFields): Pdu {
  const bhs = header(OPCODE.LogoutRequest, true, 0x80 | (f.reason & 0x7f));
  bhs.u32(16, f.initiatorTaskTag);
  bhs.u16(20, f.cid);
  bhs.u32(24, f.cmdSN);
  bhs.u32(28, f.expStatSN);
  return { bhs: bhs.bytes, ahs: new Uint8Array(0), data: new Uint8Array(0) };
}

// ---- target PDUs ------------------------------------------------------------------------

/** A reader over the PDU's BHS, after checking its opcode. */
function expectOpcode(pdu: Pdu, opcode: number, structure: string): ByteReader {
  const r = bhsReader(pdu.bhs, structure);
  const actual = r.u8(0, 'Opcode') & 0x3f;
  if (actual !== opcode) throw wrongOpcode(opcode, actual);
  return r;
}

// Kept out of expectOpcode so that stays small enough to inline into every decoder.
function wrongOpcode(opcode: number, actual: number): IscsiProtocolError {
  return new IscsiProtocolError(
    `expected ${OPCODE_NAMES[opcode]} (0x${opcode.toString(16)}), got ${OPCODE_NAMES[actual] ?? 'unknown opcode'} (0x${actual.toString(16)})`,
  );
}

/** Fields most target PDUs carry: StatSN, ExpCmdSN, MaxCmdSN at 24, 28, 32. */
export interface SequenceFields {
  readonly statSN: number;
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
}

function sequenceFields(r: ByteReader): SequenceFields {
  return { statSN: r.u32(24, 'StatSN'), expCmdSN: r.u32(28, 'ExpCmdSN'), maxCmdSN: r.u32(32, 'MaxCmdSN') };
}

export interface LoginResponse extends SequenceFields {
  readonly transit: boolean;
  readonly continue: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionMax: number;
  readonly versionActive: number;
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly initiatorTaskTag: number;
  readonly statusClass: number;
  readonly statusDetail: number;
  readonly data: Uint8Array;
}

export function decodeLoginResponse(pdu: Pdu): LoginResponse {
  const r = expectOpcode(pdu, OPCODE.LoginResponse, 'Login Response');
  const flags = r.u8(1, 'flags');
  return {
    transit: (flags & 0x80) !== 0,
    continue: (flags & 0x40) !== 0,
    csg: (flags >> 2) & 0x03,
    nsg: flags & 0x03,
    versionMax: r.u8(2, 'Version-max'),
    versionActive: r.u8(3, 'Version-active'),
    isid: r.slice(8, 6, 'ISID').slice(),
    tsih: r.u16(14, 'TSIH'),
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    ...sequenceFields(r),
    statusClass: r.u8(36, 'Status-Class'),
    statusDetail: r.u8(37, 'Status-Detail'),
    data: pdu.data,
  };
}

export interface TextResponse extends SequenceFields {
  readonly final: boolean;
  readonly continue: boolean;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly data: Uint8Array;
}

export function decodeTextResponse(pdu: Pdu): TextResponse {
  const r = expectOpcode(pdu, OPCODE.TextResponse, 'Text Response');
  const flags = r.u8(1, 'flags');
  return {
    final: (flags & 0x80) !== 0,
    continue: (flags & 0x40) !== 0,
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    targetTransferTag: r.u32(20, 'Target Transfer Tag'),
    ...sequenceFields(r),
    data: pdu.data,
  };
}

export interface ScsiResponsePdu extends SequenceFields {
  readonly bidiOverflow: boolean;
  readonly bidiUnderflow: boolean;
  readonly overflow: boolean;
  readonly underflow: boolean;
  /** 0x00 command completed at target, 0x01 target failure. */
  readonly response: number;
  readonly status: number;
  readonly initiatorTaskTag: number;
  readonly expDataSN: number;
  readonly residualCount: number;
  /** Sense data, from the data segment's 2-byte SenseLength prefix (RFC 7143 11.4.7). */
  readonly sense: Uint8Array | undefined;
}

export function decodeScsiResponse(pdu: Pdu): ScsiResponsePdu {
  const r = expectOpcode(pdu, OPCODE.ScsiResponse, 'SCSI Response');
  let sense: Uint8Array | undefined;
  if (pdu.data.length >= 2) {
    const senseLength = new ByteReader(pdu.data, 'SCSI Response data segment').u16(0, 'SenseLength');
    if (senseLength > pdu.data.length - 2)
      throw new IscsiProtocolError(
        `SCSI Response SenseLength ${senseLength} exceeds its data segment (${pdu.data.length - 2} bytes)`,
      );
    if (senseLength > 0) sense = pdu.data.slice(2, 2 + senseLength);
  }
  const flags = r.u8(1, 'flags');
  return {
    bidiOverflow: (flags & 0x10) !== 0,
    bidiUnderflow: (flags & 0x08) !== 0,
    overflow: (flags & 0x04) !== 0,
    underflow: (flags & 0x02) !== 0,
    response: r.u8(2, 'Response'),
    status: r.u8(3, 'Status'),
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    ...sequenceFields(r),
    expDataSN: r.u32(36, 'ExpDataSN'),
    residualCount: r.u32(44, 'Residual Count'),
    sense,
  };
}

export interface DataInPdu extends SequenceFields {
  readonly final: boolean;
  readonly acknowledge: boolean;
  readonly overflow: boolean;
  readonly underflow: boolean;
  /** The S bit: status is in this PDU (then statSN and status are valid). */
  readonly hasStatus: boolean;
  readonly status: number;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly dataSN: number;
  readonly bufferOffset: number;
  readonly residualCount: number;
  readonly data: Uint8Array;
}

export function decodeDataIn(pdu: Pdu): DataInPdu {
  const r = expectOpcode(pdu, OPCODE.DataIn, 'SCSI Data-In');
  const flags = r.u8(1, 'flags');
  return {
    final: (flags & 0x80) !== 0,
    acknowledge: (flags & 0x40) !== 0,
    overflow: (flags & 0x04) !== 0,
    underflow: (flags & 0x02) !== 0,
    hasStatus: (flags & 0x01) !== 0,
    status: r.u8(3, 'Status'),
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    targetTransferTag: r.u32(20, 'Target Transfer Tag'),
    ...sequenceFields(r),
    dataSN: r.u32(36, 'DataSN'),
    bufferOffset: r.u32(40, 'Buffer Offset'),
    residualCount: r.u32(44, 'Residual Count'),
    data: pdu.data,
  };
}

export interface R2TPdu extends SequenceFields {
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly r2tSN: number;
  readonly bufferOffset: number;
  readonly desiredDataTransferLength: number;
}

export function decodeR2T(pdu: Pdu): R2TPdu {
  const r = expectOpcode(pdu, OPCODE.R2T, 'R2T');
  return {
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    targetTransferTag: r.u32(20, 'Target Transfer Tag'),
    ...sequenceFields(r),
    r2tSN: r.u32(36, 'R2TSN'),
    bufferOffset: r.u32(40, 'Buffer Offset'),
    desiredDataTransferLength: r.u32(44, 'Desired Data Transfer Length'),
  };
}

export interface NopInPdu extends SequenceFields {
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly data: Uint8Array;
}

export function decodeNopIn(pdu: Pdu): NopInPdu {
  const r = expectOpcode(pdu, OPCODE.NopIn, 'NOP-In');
  return {
    lun: r.slice(8, 8, 'LUN').slice(),
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    targetTransferTag: r.u32(20, 'Target Transfer Tag'),
    ...sequenceFields(r),
    data: pdu.data,
  };
}

export interface LogoutResponsePdu extends SequenceFields {
  /** 0 closed successfully, 1 CID not found, 2 recovery not supported, 3 cleanup failed. */
  readonly response: number;
  readonly initiatorTaskTag: number;
  readonly time2Wait: number;
  readonly time2Retain: number;
}

export function decodeLogoutResponse(pdu: Pdu): LogoutResponsePdu {
  const r = expectOpcode(pdu, OPCODE.LogoutResponse, 'Logout Response');
  return {
    response: r.u8(2, 'Response'),
    initiatorTaskTag: r.u32(16, 'Initiator Task Tag'),
    ...sequenceFields(r),
    time2Wait: r.u16(40, 'Time2Wait'),
    time2Retain: r.u16(42, 'Time2Retain'),
  };
}

export const ASYNC_EVENT = {
  ScsiAsyncEvent: 0,
  LogoutRequested: 1,
  ConnectionDropping: 2,
  SessionDropping: 3,
  NegotiationRequested: 4,
  TaskTerminated: 5,
  VendorSpecific: 255,
} as const;

export interface AsyncMessagePdu extends SequenceFields {
  readonly asyncEvent: number;
  readonly asyncVCode: number;
  readonly parameter1: number;
  readonly parameter2: number;
  readonly parameter3: number;
  readonly data: Uint8Array;
}

export function decodeAsyncMessage(pdu: Pdu): AsyncMessagePdu {
  const r = expectOpcode(pdu, OPCODE.AsyncMessage, 'Asynchronous Message');
  return {
    ...sequenceFields(r),
    asyncEvent: r.u8(36, 'AsyncEvent'),
    asyncVCode: r.u8(37, 'AsyncVCode'),
    parameter1: r.u16(38, 'Parameter1'),
    parameter2: r.u16(40, 'Parameter2'),
    parameter3: r.u16(42, 'Parameter3'),
    data: pdu.data,
  };
}

export const REJECT_REASON_NAMES: Readonly<Record<number, string>> = {
  0x02: 'data (payload) digest error',
  0x03: 'SNACK reject',
  0x04: 'protocol error',
  0x05: 'command not supported',
  0x06: 'immediate command reject',
  0x07: 'task in progress',
  0x08: 'invalid data ack',
  0x09: 'invalid PDU field',
  0x0a: 'long operation reject',
  0x0b: 'deprecated (negotiation reset)',
  0x0c: 'waiting for logout',
};

export interface RejectPdu extends SequenceFields {
  readonly reason: number;
  readonly reasonName: string;
  /** The ITT of the rejected PDU, from the copy of its header in the data segment. */
  readonly rejectedTaskTag: number | undefined;
}

export function decodeReject(pdu: Pdu): RejectPdu {
  const r = expectOpcode(pdu, OPCODE.Reject, 'Reject');
  const reason = r.u8(2, 'Reason');
  return {
    reason,
    reasonName: REJECT_REASON_NAMES[reason] ?? `reason 0x${reason.toString(16)}`,
    ...sequenceFields(r),
    // The data segment holds the rejected PDU's header; its ITT is at 16 of that copy.
    rejectedTaskTag:
      pdu.data.length >= BHS_LENGTH
        ? new ByteReader(pdu.data, 'Reject data segment').u32(16, 'rejected Initiator Task Tag')
        : undefined,
  };
}
