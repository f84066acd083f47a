/**
 * iSCSI PDUs (RFC 7143 section 11): the 48-byte Basic Header Segment, optional Additional Header
 * Segments, and a data segment padded to a multiple of 4. One builder per initiator PDU, one
 * decoder per target PDU, field names as the RFC writes them. Sequence numbers are unsigned
 * 32-bit; LUNs use the SAM single-level encoding.
 */
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

// Big-endian field access by hand: a DataView per field showed up in the command hot path.
function u16(b: Uint8Array, offset: number): number {
  return (b[offset]! << 8) | b[offset + 1]!;
}
function setU16(b: Uint8Array, offset: number, value: number): void {
  b[offset] = (value >>> 8) & 0xff;
  b[offset + 1] = value & 0xff;
}

export function opcodeOf(bhs: Uint8Array): number {
  return bhs[0]! & 0x3f;
}
export function totalAhsLengthOf(bhs: Uint8Array): number {
  return bhs[4]! * 4;
}
export function dataSegmentLengthOf(bhs: Uint8Array): number {
  return (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]!;
}
function u32(b: Uint8Array, offset: number): number {
  return ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
}

export function padded(length: number): number {
  return (length + 3) & ~3;
}

/** SAM-2 single level LUN: peripheral addressing below 256, flat space addressing above. */
export function encodeLun(lun: number): Uint8Array {
  const out = new Uint8Array(8);
  if (!Number.isInteger(lun) || lun < 0 || lun > 0x3fff) throw new RangeError(`LUN ${lun} out of range 0..16383`);
  if (lun < 256) out[1] = lun;
  else {
    out[0] = 0x40 | (lun >> 8);
    out[1] = lun & 0xff;
  }
  return out;
}

// ---- serialisation ----------------------------------------------------------------------

/** Assembles a PDU for the wire: header, AHS, header digest, data, padding, data digest. */
export function serializePdu(pdu: Pdu, digests: DigestOptions = NO_DIGESTS): Uint8Array {
  const dataLength = pdu.data.length;
  const headerLength = BHS_LENGTH + pdu.ahs.length;
  const total =
    headerLength + (digests.headerDigest ? 4 : 0) + padded(dataLength) + (dataLength > 0 && digests.dataDigest ? 4 : 0);
  const out = new Uint8Array(total);
  out.set(pdu.bhs, 0);
  out[4] = pdu.ahs.length / 4;
  out[5] = (dataLength >> 16) & 0xff;
  out[6] = (dataLength >> 8) & 0xff;
  out[7] = dataLength & 0xff;
  out.set(pdu.ahs, BHS_LENGTH);
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

function header(opcode: number, immediate: boolean, flags: number): Uint8Array {
  const bhs = new Uint8Array(BHS_LENGTH);
  bhs[0] = (immediate ? 0x40 : 0) | opcode;
  bhs[1] = flags;
  return bhs;
}

function setU32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = (value >>> 24) & 0xff;
  b[offset + 1] = (value >>> 16) & 0xff;
  b[offset + 2] = (value >>> 8) & 0xff;
  b[offset + 3] = value & 0xff;
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
  bhs[2] = 0x00; // Version-max
  bhs[3] = 0x00; // Version-min
  bhs.set(f.isid.subarray(0, 6), 8);
  setU16(bhs, 14, f.tsih);
  setU32(bhs, 16, f.initiatorTaskTag);
  setU16(bhs, 20, f.cid);
  setU32(bhs, 24, f.cmdSN);
  setU32(bhs, 28, f.expStatSN);
  return { bhs, ahs: new Uint8Array(0), data };
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
  setU32(bhs, 16, f.initiatorTaskTag);
  setU32(bhs, 20, f.targetTransferTag);
  setU32(bhs, 24, f.cmdSN);
  setU32(bhs, 28, f.expStatSN);
  return { bhs, ahs: new Uint8Array(0), data };
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
  bhs.set(encodeLun(f.lun), 8);
  setU32(bhs, 16, f.initiatorTaskTag);
  setU32(bhs, 20, f.expectedDataTransferLength);
  setU32(bhs, 24, f.cmdSN);
  setU32(bhs, 28, f.expStatSN);
  bhs.set(f.cdb, 32);
  return { bhs, ahs: new Uint8Array(0), data: immediateData };
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
  bhs.set(encodeLun(f.lun), 8);
  setU32(bhs, 16, f.initiatorTaskTag);
  setU32(bhs, 20, f.targetTransferTag);
  setU32(bhs, 28, f.expStatSN);
  setU32(bhs, 36, f.dataSN);
  setU32(bhs, 40, f.bufferOffset);
  return { bhs, ahs: new Uint8Array(0), data };
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
  bhs.set(encodeLun(f.lun), 8);
  setU32(bhs, 16, f.initiatorTaskTag);
  setU32(bhs, 20, f.targetTransferTag);
  setU32(bhs, 24, f.cmdSN);
  setU32(bhs, 28, f.expStatSN);
  return { bhs, ahs: new Uint8Array(0), data };
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
  setU32(bhs, 16, f.initiatorTaskTag);
  setU16(bhs, 20, f.cid);
  setU32(bhs, 24, f.cmdSN);
  setU32(bhs, 28, f.expStatSN);
  return { bhs, ahs: new Uint8Array(0), data: new Uint8Array(0) };
}

// ---- target PDUs ------------------------------------------------------------------------

function expectOpcode(pdu: Pdu, opcode: number): void {
  const actual = opcodeOf(pdu.bhs);
  if (actual !== opcode) {
    throw new IscsiProtocolError(
      `expected ${OPCODE_NAMES[opcode]} (0x${opcode.toString(16)}), got ${OPCODE_NAMES[actual] ?? 'unknown opcode'} (0x${actual.toString(16)})`,
    );
  }
}

/** Fields most target PDUs carry: StatSN, ExpCmdSN, MaxCmdSN at 24, 28, 32. */
export interface SequenceFields {
  readonly statSN: number;
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
}

function sequenceFields(bhs: Uint8Array): SequenceFields {
  return { statSN: u32(bhs, 24), expCmdSN: u32(bhs, 28), maxCmdSN: u32(bhs, 32) };
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
  expectOpcode(pdu, OPCODE.LoginResponse);
  const b = pdu.bhs;
  return {
    transit: (b[1]! & 0x80) !== 0,
    continue: (b[1]! & 0x40) !== 0,
    csg: (b[1]! >> 2) & 0x03,
    nsg: b[1]! & 0x03,
    versionMax: b[2]!,
    versionActive: b[3]!,
    isid: b.slice(8, 14),
    tsih: u16(b, 14),
    initiatorTaskTag: u32(b, 16),
    ...sequenceFields(b),
    statusClass: b[36]!,
    statusDetail: b[37]!,
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
  expectOpcode(pdu, OPCODE.TextResponse);
  const b = pdu.bhs;
  return {
    final: (b[1]! & 0x80) !== 0,
    continue: (b[1]! & 0x40) !== 0,
    initiatorTaskTag: u32(b, 16),
    targetTransferTag: u32(b, 20),
    ...sequenceFields(b),
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
  expectOpcode(pdu, OPCODE.ScsiResponse);
  const b = pdu.bhs;
  let sense: Uint8Array | undefined;
  if (pdu.data.length >= 2) {
    const senseLength = (pdu.data[0]! << 8) | pdu.data[1]!;
    if (senseLength > pdu.data.length - 2)
      throw new IscsiProtocolError(
        `SCSI Response SenseLength ${senseLength} exceeds its data segment (${pdu.data.length - 2} bytes)`,
      );
    if (senseLength > 0) sense = pdu.data.slice(2, 2 + senseLength);
  }
  return {
    bidiOverflow: (b[1]! & 0x10) !== 0,
    bidiUnderflow: (b[1]! & 0x08) !== 0,
    overflow: (b[1]! & 0x04) !== 0,
    underflow: (b[1]! & 0x02) !== 0,
    response: b[2]!,
    status: b[3]!,
    initiatorTaskTag: u32(b, 16),
    ...sequenceFields(b),
    expDataSN: u32(b, 36),
    residualCount: u32(b, 44),
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
  expectOpcode(pdu, OPCODE.DataIn);
  const b = pdu.bhs;
  return {
    final: (b[1]! & 0x80) !== 0,
    acknowledge: (b[1]! & 0x40) !== 0,
    overflow: (b[1]! & 0x04) !== 0,
    underflow: (b[1]! & 0x02) !== 0,
    hasStatus: (b[1]! & 0x01) !== 0,
    status: b[3]!,
    initiatorTaskTag: u32(b, 16),
    targetTransferTag: u32(b, 20),
    ...sequenceFields(b),
    dataSN: u32(b, 36),
    bufferOffset: u32(b, 40),
    residualCount: u32(b, 44),
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
  expectOpcode(pdu, OPCODE.R2T);
  const b = pdu.bhs;
  return {
    initiatorTaskTag: u32(b, 16),
    targetTransferTag: u32(b, 20),
    ...sequenceFields(b),
    r2tSN: u32(b, 36),
    bufferOffset: u32(b, 40),
    desiredDataTransferLength: u32(b, 44),
  };
}

export interface NopInPdu extends SequenceFields {
  readonly lun: Uint8Array;
  readonly initiatorTaskTag: number;
  readonly targetTransferTag: number;
  readonly data: Uint8Array;
}

export function decodeNopIn(pdu: Pdu): NopInPdu {
  expectOpcode(pdu, OPCODE.NopIn);
  const b = pdu.bhs;
  return {
    lun: b.slice(8, 16),
    initiatorTaskTag: u32(b, 16),
    targetTransferTag: u32(b, 20),
    ...sequenceFields(b),
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
  expectOpcode(pdu, OPCODE.LogoutResponse);
  const b = pdu.bhs;
  return {
    response: b[2]!,
    initiatorTaskTag: u32(b, 16),
    ...sequenceFields(b),
    time2Wait: u16(b, 40),
    time2Retain: u16(b, 42),
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
  expectOpcode(pdu, OPCODE.AsyncMessage);
  const b = pdu.bhs;
  return {
    ...sequenceFields(b),
    asyncEvent: b[36]!,
    asyncVCode: b[37]!,
    parameter1: u16(b, 38),
    parameter2: u16(b, 40),
    parameter3: u16(b, 42),
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
  expectOpcode(pdu, OPCODE.Reject);
  const b = pdu.bhs;
  const reason = b[2]!;
  return {
    reason,
    reasonName: REJECT_REASON_NAMES[reason] ?? `reason 0x${reason.toString(16)}`,
    ...sequenceFields(b),
    rejectedTaskTag: pdu.data.length >= BHS_LENGTH ? u32(pdu.data, 16) : undefined,
  };
}
