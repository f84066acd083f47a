/**
 * Command descriptor blocks. One builder per command, each field written in one place, byte
 * positions from SPC-4 (INQUIRY 6.6, REPORT LUNS 6.33, TEST UNIT READY 6.47, PERSISTENT RESERVE
 * IN 6.15, PERSISTENT RESERVE OUT 6.16) and SBC-3 (READ CAPACITY(10) 5.15, (16) 5.16). The
 * CONTROL byte is always 0 (no NACA, no linking). Arguments out of range throw RangeError.
 */
import { ByteWriter } from '../codec/bytes.ts';
import { checkUint } from './bytes.ts';

export const OPCODE = {
  TEST_UNIT_READY: 0x00,
  INQUIRY: 0x12,
  READ_CAPACITY_10: 0x25,
  PERSISTENT_RESERVE_IN: 0x5e,
  PERSISTENT_RESERVE_OUT: 0x5f,
  SERVICE_ACTION_IN_16: 0x9e,
  REPORT_LUNS: 0xa0,
  MAINTENANCE_IN: 0xa3,
  /** SCSI-2 RESERVE(6) and RELEASE(6) (SPC-2 7.21, 7.24): only ever asked about, never sent. */
  RESERVE_6: 0x16,
  RELEASE_6: 0x17,
} as const;

/** MAINTENANCE IN service action for REPORT SUPPORTED OPERATION CODES (SPC-4 6.35). */
export const MI_REPORT_SUPPORTED_OPERATION_CODES = 0x0c;

/** SERVICE ACTION IN(16) service action for READ CAPACITY(16) (SBC-3 5.16). */
export const SAI_READ_CAPACITY_16 = 0x10;

/** PERSISTENT RESERVE IN service actions (SPC-4 6.15.1, table 169). */
export const PRIN_SERVICE_ACTION = {
  READ_KEYS: 0x00,
  READ_RESERVATION: 0x01,
  REPORT_CAPABILITIES: 0x02,
  READ_FULL_STATUS: 0x03,
} as const;
export type PrinServiceAction = (typeof PRIN_SERVICE_ACTION)[keyof typeof PRIN_SERVICE_ACTION];

/** PERSISTENT RESERVE OUT service actions (SPC-4 6.16.2, table 177). */
export const PROUT_SERVICE_ACTION = {
  REGISTER: 0x00,
  RESERVE: 0x01,
  RELEASE: 0x02,
  CLEAR: 0x03,
  PREEMPT: 0x04,
  PREEMPT_AND_ABORT: 0x05,
  REGISTER_AND_IGNORE_EXISTING_KEY: 0x06,
  REGISTER_AND_MOVE: 0x07,
} as const;
export type ProutServiceAction = (typeof PROUT_SERVICE_ACTION)[keyof typeof PROUT_SERVICE_ACTION];

export const PRIN_SERVICE_ACTION_NAMES: Readonly<Record<number, string>> = {
  0x00: 'READ KEYS',
  0x01: 'READ RESERVATION',
  0x02: 'REPORT CAPABILITIES',
  0x03: 'READ FULL STATUS',
};

export const PROUT_SERVICE_ACTION_NAMES: Readonly<Record<number, string>> = {
  0x00: 'REGISTER',
  0x01: 'RESERVE',
  0x02: 'RELEASE',
  0x03: 'CLEAR',
  0x04: 'PREEMPT',
  0x05: 'PREEMPT AND ABORT',
  0x06: 'REGISTER AND IGNORE EXISTING KEY',
  0x07: 'REGISTER AND MOVE',
};

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'TEST UNIT READY',
  0x12: 'INQUIRY',
  0x25: 'READ CAPACITY(10)',
  0x5e: 'PERSISTENT RESERVE IN',
  0x5f: 'PERSISTENT RESERVE OUT',
  0x9e: 'SERVICE ACTION IN(16)',
  0xa0: 'REPORT LUNS',
  0x16: 'RESERVE(6)',
  0x17: 'RELEASE(6)',
};

function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** A readable name for a CDB, with its service action or VPD page: 'PERSISTENT RESERVE OUT (REGISTER)'. */
export function commandName(cdb: Uint8Array): string {
  const op = cdb[0];
  if (op === undefined) return 'empty CDB';
  const sa = (cdb[1] ?? 0) & 0x1f;
  switch (op) {
    case OPCODE.INQUIRY:
      return ((cdb[1] ?? 0) & 0x01) !== 0 ? `INQUIRY (VPD page ${hexByte(cdb[2] ?? 0)})` : 'INQUIRY';
    case OPCODE.SERVICE_ACTION_IN_16:
      return sa === SAI_READ_CAPACITY_16 ? 'READ CAPACITY(16)' : `SERVICE ACTION IN(16) (${hexByte(sa)})`;
    case OPCODE.PERSISTENT_RESERVE_IN:
      return `PERSISTENT RESERVE IN (${PRIN_SERVICE_ACTION_NAMES[sa] ?? `service action ${hexByte(sa)}`})`;
    case OPCODE.PERSISTENT_RESERVE_OUT:
      return `PERSISTENT RESERVE OUT (${PROUT_SERVICE_ACTION_NAMES[sa] ?? `service action ${hexByte(sa)}`})`;
    case OPCODE.MAINTENANCE_IN:
      return sa === MI_REPORT_SUPPORTED_OPERATION_CODES
        ? `REPORT SUPPORTED OPERATION CODES (${hexByte(cdb[3] ?? 0)})`
        : `MAINTENANCE IN (${hexByte(sa)})`;
    default:
      return OPCODE_NAMES[op] ?? `operation code ${hexByte(op)}`;
  }
}

/** TEST UNIT READY (SPC-4 6.47): six zero bytes. */
export function buildTestUnitReadyCdb(): Uint8Array {
  return new Uint8Array(6);
}

export interface InquiryCdbOptions {
  /** Bytes the initiator accepts, 0..65535 (bytes 3-4). */
  readonly allocationLength: number;
  /** A VPD page code: sets EVPD (byte 1 bit 0) and PAGE CODE (byte 2). Absent: standard INQUIRY data. */
  readonly vpdPage?: number;
}

/** INQUIRY (SPC-4 6.6.1): byte 1 EVPD, byte 2 PAGE CODE, bytes 3-4 ALLOCATION LENGTH. */
export function buildInquiryCdb(options: InquiryCdbOptions): Uint8Array {
  checkUint(options.allocationLength, 0xffff, 'INQUIRY allocation length');
  if (options.vpdPage !== undefined) checkUint(options.vpdPage, 0xff, 'VPD page code');
  const evpd = options.vpdPage !== undefined ? 0x01 : 0x00;
  return new ByteWriter(6)
    .u8(0, OPCODE.INQUIRY)
    .u8(1, evpd)
    .u8(2, options.vpdPage ?? 0)
    .u16(3, options.allocationLength).bytes;
}

export interface ReportLunsCdbOptions {
  /** Bytes 6-9. SPC-4 asks for at least 16; smaller values are sent as given. */
  readonly allocationLength: number;
  /** Byte 2: 0x00 all logical units except well known ones, 0x01 well known only, 0x02 all. */
  readonly selectReport?: number;
}

/** REPORT LUNS (SPC-4 6.33): 12 bytes, byte 2 SELECT REPORT, bytes 6-9 ALLOCATION LENGTH. */
export function buildReportLunsCdb(options: ReportLunsCdbOptions): Uint8Array {
  checkUint(options.allocationLength, 0xffffffff, 'REPORT LUNS allocation length');
  const selectReport = options.selectReport ?? 0;
  checkUint(selectReport, 0xff, 'SELECT REPORT');
  return new ByteWriter(12).u8(0, OPCODE.REPORT_LUNS).u8(2, selectReport).u32(6, options.allocationLength).bytes;
}

/** READ CAPACITY(10) (SBC-3 5.15): LOGICAL BLOCK ADDRESS and PMI left zero (both obsolete in SBC-3). */
export function buildReadCapacity10Cdb(): Uint8Array {
  return Uint8Array.of(OPCODE.READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/** READ CAPACITY(16) (SBC-3 5.16): SERVICE ACTION IN(16) 0x9E, SA 0x10, bytes 10-13 ALLOCATION LENGTH. */
export function buildReadCapacity16Cdb(allocationLength = 32): Uint8Array {
  checkUint(allocationLength, 0xffffffff, 'READ CAPACITY(16) allocation length');
  return new ByteWriter(16).u8(0, OPCODE.SERVICE_ACTION_IN_16).u8(1, SAI_READ_CAPACITY_16).u32(10, allocationLength)
    .bytes;
}

/** PERSISTENT RESERVE IN (SPC-4 6.15.1): byte 1 SERVICE ACTION, bytes 7-8 ALLOCATION LENGTH. */
export function buildPersistentReserveInCdb(serviceAction: number, allocationLength: number): Uint8Array {
  checkUint(serviceAction, 0x1f, 'PERSISTENT RESERVE IN service action');
  checkUint(allocationLength, 0xffff, 'PERSISTENT RESERVE IN allocation length');
  return new ByteWriter(10).u8(0, OPCODE.PERSISTENT_RESERVE_IN).u8(1, serviceAction).u16(7, allocationLength).bytes;
}

export interface PersistentReserveOutCdbOptions {
  readonly serviceAction: number;
  /** Byte 2 bits 7-4; 0 = LU_SCOPE, the only scope SPC-4 keeps. */
  readonly scope?: number;
  /** Byte 2 bits 3-0: the reservation type (PR_TYPE); ignored by the target for REGISTER and CLEAR. */
  readonly type?: number;
  /** Bytes 5-8: 24 for the basic parameter list. */
  readonly parameterListLength: number;
}

/** PERSISTENT RESERVE OUT (SPC-4 6.16.1): byte 1 SERVICE ACTION, byte 2 SCOPE/TYPE, bytes 5-8 PARAMETER LIST LENGTH. */
export function buildPersistentReserveOutCdb(options: PersistentReserveOutCdbOptions): Uint8Array {
  const scope = options.scope ?? 0;
  const type = options.type ?? 0;
  checkUint(options.serviceAction, 0x1f, 'PERSISTENT RESERVE OUT service action');
  checkUint(scope, 0x0f, 'SCOPE');
  checkUint(type, 0x0f, 'TYPE');
  checkUint(options.parameterListLength, 0xffffffff, 'PARAMETER LIST LENGTH');
  return new ByteWriter(10)
    .u8(0, OPCODE.PERSISTENT_RESERVE_OUT)
    .u8(1, options.serviceAction)
    .u8(2, (scope << 4) | type)
    .u32(5, options.parameterListLength).bytes;
}

export interface ReportSupportedOperationCodesCdbOptions {
  /** The operation code asked about (byte 3). */
  readonly requestedOperationCode: number;
  /** The service action asked about (bytes 4-5); present: REPORTING OPTIONS 010b, absent: 001b. */
  readonly requestedServiceAction?: number;
  /** Bytes 6-9. */
  readonly allocationLength: number;
}

/**
 * REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), one-command form: MAINTENANCE IN 0xA3, SA 0x0C,
 * byte 2 REPORTING OPTIONS (001b: an opcode without service actions, 010b: with one).
 */
export function buildReportSupportedOperationCodesCdb(options: ReportSupportedOperationCodesCdbOptions): Uint8Array {
  checkUint(options.requestedOperationCode, 0xff, 'REQUESTED OPERATION CODE');
  checkUint(options.allocationLength, 0xffffffff, 'REPORT SUPPORTED OPERATION CODES allocation length');
  const sa = options.requestedServiceAction;
  if (sa !== undefined) checkUint(sa, 0xffff, 'REQUESTED SERVICE ACTION');
  return new ByteWriter(12)
    .u8(0, OPCODE.MAINTENANCE_IN)
    .u8(1, MI_REPORT_SUPPORTED_OPERATION_CODES)
    .u8(2, sa === undefined ? 0x01 : 0x02)
    .u8(3, options.requestedOperationCode)
    .u16(4, sa ?? 0)
    .u32(6, options.allocationLength).bytes;
}
