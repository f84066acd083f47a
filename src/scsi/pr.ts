/**
 * Persistent reservations: PERSISTENT RESERVE IN parameter data (SPC-4 6.15: READ KEYS 6.15.2,
 * READ RESERVATION 6.15.3, REPORT CAPABILITIES 6.15.4, READ FULL STATUS 6.15.5) and PERSISTENT
 * RESERVE OUT parameter lists (SPC-4 6.16.3 basic, 6.16.4 REGISTER AND MOVE). Keys are bigint.
 */
import { type ByteReader, ByteWriter } from '../codec/bytes.ts';
import { checkKey, checkUint, scsiReader } from './bytes.ts';
import { ScsiDecodeError } from './errors.ts';
import { decodeTransportId, type TransportId } from './transport-id.ts';

/** Persistent reservation TYPE (SPC-4 6.15.3.4, table 173), by the abbreviations in common use. */
export const PR_TYPE = {
  WE: 0x1,
  EA: 0x3,
  WERO: 0x5,
  EARO: 0x6,
  WEAR: 0x7,
  EAAR: 0x8,
} as const;
export type PrType = (typeof PR_TYPE)[keyof typeof PR_TYPE];

export const PR_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x1: 'Write Exclusive',
  0x3: 'Exclusive Access',
  0x5: 'Write Exclusive - Registrants Only',
  0x6: 'Exclusive Access - Registrants Only',
  0x7: 'Write Exclusive - All Registrants',
  0x8: 'Exclusive Access - All Registrants',
};

/** SCOPE (SPC-4 6.15.3.3, table 172): only LU_SCOPE remains. */
export const PR_SCOPE = { LU_SCOPE: 0x0 } as const;

export function prTypeName(type: number): string {
  return PR_TYPE_NAMES[type] ?? (type === 0 ? 'obsolete type 0x0' : `reserved type 0x${type.toString(16)}`);
}

export function prScopeName(scope: number): string {
  return scope === 0 ? 'LU_SCOPE' : `scope 0x${scope.toString(16)}`;
}

/** The PERSISTENT RESERVATION TYPE MASK bits (SPC-4 6.15.4, table 176): [byte offset, bit, type]. */
const TYPE_MASK = [
  [4, 0x80, PR_TYPE.WEAR],
  [4, 0x40, PR_TYPE.EARO],
  [4, 0x20, PR_TYPE.WERO],
  [4, 0x08, PR_TYPE.EA],
  [4, 0x02, PR_TYPE.WE],
  [5, 0x01, PR_TYPE.EAAR],
] as const;

interface PrinHeader {
  readonly prGeneration: number;
  readonly additionalLength: number;
  /** 8 + ADDITIONAL LENGTH: the allocation length that returns all of the data. */
  readonly needed: number;
  readonly complete: boolean;
}

function header(bytes: Uint8Array, structure: string): { h: PrinHeader; r: ByteReader } {
  const all = scsiReader(bytes, structure);
  const prGeneration = all.u32(0, 'PRGENERATION');
  const additionalLength = all.u32(4, 'ADDITIONAL LENGTH');
  const needed = 8 + additionalLength;
  return { h: { prGeneration, additionalLength, needed, complete: bytes.length >= needed }, r: all.limit(needed) };
}

export interface PrReadKeys extends PrinHeader {
  /** The RESERVATION KEY list, one per registered I_T nexus. */
  readonly keys: readonly bigint[];
}

export function decodePrReadKeys(bytes: Uint8Array): PrReadKeys {
  const { h, r } = header(bytes, 'PERSISTENT RESERVE IN READ KEYS data');
  const keys: bigint[] = [];
  for (let offset = 8; r.has(offset, 8); offset += 8) keys.push(r.u64(offset, 'RESERVATION KEY'));
  return { ...h, keys };
}

export interface PrReadReservation extends PrinHeader {
  /** ADDITIONAL LENGTH is not zero: a persistent reservation is held. */
  readonly present: boolean;
  /** For the all-registrants types this reads 0. Undefined when absent or not received. */
  readonly reservationKey?: bigint;
  readonly scope?: number;
  readonly scopeName?: string;
  readonly type?: number;
  readonly typeName?: string;
}

export function decodePrReadReservation(bytes: Uint8Array): PrReadReservation {
  const { h, r } = header(bytes, 'PERSISTENT RESERVE IN READ RESERVATION data');
  const present = h.additionalLength !== 0;
  // Bytes 8-15 RESERVATION KEY, 16-19 obsolete, 20 reserved, 21 SCOPE (7-4) / TYPE (3-0).
  if (!present || !r.has(8, 14)) return { ...h, present };
  const scopeType = r.u8(21, 'SCOPE');
  const scope = scopeType >> 4;
  const type = scopeType & 0x0f;
  return {
    ...h,
    present,
    reservationKey: r.u64(8, 'RESERVATION KEY'),
    scope,
    scopeName: prScopeName(scope),
    type,
    typeName: prTypeName(type),
  };
}

export interface PrReportCapabilities {
  /** LENGTH (bytes 0-1), 8 in SPC-4. */
  readonly length: number;
  readonly rlrC: boolean;
  readonly crh: boolean;
  readonly sipC: boolean;
  readonly atpC: boolean;
  readonly ptplC: boolean;
  /** TYPE MASK VALID. When false the mask says nothing, not that no type is supported. */
  readonly tmv: boolean;
  readonly allowCommands: number;
  readonly ptplA: boolean;
  /** PERSISTENT RESERVATION TYPE MASK, bytes 4-5. */
  readonly typeMask: number;
  /** The types the mask marks as supported; undefined when TMV is 0. */
  readonly supportedTypes: readonly PrType[] | undefined;
  readonly supportedTypeNames: readonly string[] | undefined;
  readonly needed: number;
  readonly complete: boolean;
}

/** Needs bytes 0-5 (LENGTH, the capability bits and the type mask). */
export function decodePrReportCapabilities(bytes: Uint8Array): PrReportCapabilities {
  const r = scsiReader(bytes, 'PERSISTENT RESERVE IN REPORT CAPABILITIES data');
  const length = r.u16(0, 'LENGTH');
  const byte2 = r.u8(2, 'CRH');
  const byte3 = r.u8(3, 'TMV');
  const typeMask = r.u16(4, 'PERSISTENT RESERVATION TYPE MASK');
  const tmv = (byte3 & 0x80) !== 0;
  const supportedTypes = tmv
    ? TYPE_MASK.filter(([offset, bit]) => (bytes[offset]! & bit) !== 0).map(([, , type]) => type)
    : undefined;
  return {
    length,
    rlrC: (byte2 & 0x80) !== 0,
    crh: (byte2 & 0x10) !== 0,
    sipC: (byte2 & 0x08) !== 0,
    atpC: (byte2 & 0x04) !== 0,
    ptplC: (byte2 & 0x01) !== 0,
    tmv,
    allowCommands: (byte3 >> 4) & 0x07,
    ptplA: (byte3 & 0x01) !== 0,
    typeMask,
    supportedTypes,
    supportedTypeNames: supportedTypes?.map(prTypeName),
    needed: length,
    complete: bytes.length >= length,
  };
}

export interface PrFullStatusDescriptor {
  readonly reservationKey: bigint;
  readonly allTgPt: boolean;
  /** This I_T nexus holds the reservation; scope and type are meaningful only then. */
  readonly rHolder: boolean;
  readonly scope: number;
  readonly type: number;
  readonly typeName: string;
  /** Meaningful only when allTgPt is false. */
  readonly relativeTargetPortIdentifier: number;
  readonly additionalDescriptorLength: number;
  /** Undefined when ADDITIONAL DESCRIPTOR LENGTH is under 4 bytes. */
  readonly transportId: TransportId | undefined;
}

export interface PrReadFullStatus extends PrinHeader {
  readonly registrants: readonly PrFullStatusDescriptor[];
}

const FULL_STATUS = 'PERSISTENT RESERVE IN READ FULL STATUS data';

/**
 * READ FULL STATUS. Descriptors cut short by the allocation length are left out (complete is
 * false); one that overruns ADDITIONAL LENGTH itself is malformed and throws ScsiDecodeError.
 */
export function decodePrReadFullStatus(bytes: Uint8Array): PrReadFullStatus {
  const { h, r } = header(bytes, FULL_STATUS);
  const registrants: PrFullStatusDescriptor[] = [];
  let offset = 8;
  while (offset < h.needed) {
    // Bytes 0-7 RESERVATION KEY, 12 ALL_TG_PT (bit 1) R_HOLDER (bit 0), 13 SCOPE/TYPE,
    // 18-19 RELATIVE TARGET PORT IDENTIFIER, 20-23 ADDITIONAL DESCRIPTOR LENGTH, 24.. TransportID.
    if (offset + 24 > h.needed)
      throw new ScsiDecodeError(
        'invalid',
        FULL_STATUS,
        'full status descriptor',
        offset,
        24,
        h.needed - offset,
        'descriptor header runs past ADDITIONAL LENGTH',
      );
    if (!r.has(offset, 24)) break;
    const additionalDescriptorLength = r.u32(offset + 20, 'ADDITIONAL DESCRIPTOR LENGTH');
    if (offset + 24 + additionalDescriptorLength > h.needed) {
      throw new ScsiDecodeError(
        'invalid',
        FULL_STATUS,
        'ADDITIONAL DESCRIPTOR LENGTH',
        offset + 20,
        additionalDescriptorLength,
        h.needed - offset - 24,
        'descriptor runs past ADDITIONAL LENGTH',
      );
    }
    if (!r.has(offset + 24, additionalDescriptorLength)) break;
    const flags = r.u8(offset + 12, 'R_HOLDER');
    const scopeType = r.u8(offset + 13, 'SCOPE');
    registrants.push({
      reservationKey: r.u64(offset, 'RESERVATION KEY'),
      allTgPt: (flags & 0x02) !== 0,
      rHolder: (flags & 0x01) !== 0,
      scope: scopeType >> 4,
      type: scopeType & 0x0f,
      typeName: prTypeName(scopeType & 0x0f),
      relativeTargetPortIdentifier: r.u16(offset + 18, 'RELATIVE TARGET PORT IDENTIFIER'),
      additionalDescriptorLength,
      transportId:
        additionalDescriptorLength >= 4
          ? decodeTransportId(r.slice(offset + 24, additionalDescriptorLength, 'TransportID'))
          : undefined,
    });
    offset += 24 + additionalDescriptorLength;
  }
  return { ...h, registrants };
}

export interface ProutParameterListOptions {
  /** RESERVATION KEY, bytes 0-7: the key the I_T nexus is registered with (0 when not registered). */
  readonly reservationKey?: bigint;
  /** SERVICE ACTION RESERVATION KEY, bytes 8-15: the new key (REGISTER), the key to preempt (PREEMPT). */
  readonly serviceActionReservationKey?: bigint;
  /** Byte 20 bit 3: register the I_T nexuses named by transportIds as well (REGISTER only). */
  readonly specIPT?: boolean;
  /** Byte 20 bit 2: register on all target ports. */
  readonly allTgPt?: boolean;
  /** Byte 20 bit 0: activate persist through power loss. */
  readonly aptpl?: boolean;
  /** With specIPT: TransportIDs appended after bytes 24-27 TRANSPORTID PARAMETER DATA LENGTH. */
  readonly transportIds?: readonly Uint8Array[];
}

/** The basic PERSISTENT RESERVE OUT parameter list (SPC-4 6.16.3, table 179): 24 bytes, more with SPEC_I_PT TransportIDs. */
export function buildProutParameterList(options: ProutParameterListOptions = {}): Uint8Array {
  const reservationKey = options.reservationKey ?? 0n;
  const serviceActionReservationKey = options.serviceActionReservationKey ?? 0n;
  checkKey(reservationKey, 'RESERVATION KEY');
  checkKey(serviceActionReservationKey, 'SERVICE ACTION RESERVATION KEY');
  const transportIds = options.transportIds ?? [];
  if (transportIds.length > 0 && !options.specIPT) throw new RangeError('TransportIDs are sent only with SPEC_I_PT');
  const transportIdLength = transportIds.reduce((n, t) => n + t.length, 0);
  const out = new ByteWriter(transportIds.length > 0 ? 28 + transportIdLength : 24)
    .u64(0, reservationKey)
    .u64(8, serviceActionReservationKey)
    .u8(20, (options.specIPT ? 0x08 : 0) | (options.allTgPt ? 0x04 : 0) | (options.aptpl ? 0x01 : 0));
  if (transportIds.length > 0) {
    out.u32(24, transportIdLength);
    let offset = 28;
    for (const t of transportIds) {
      out.set(offset, t);
      offset += t.length;
    }
  }
  return out.bytes;
}

export interface RegisterAndMoveParameterListOptions {
  readonly reservationKey: bigint;
  /** The key to register the destination I_T nexus with. */
  readonly serviceActionReservationKey: bigint;
  /** Byte 17 bit 1: unregister the source I_T nexus. */
  readonly unreg?: boolean;
  /** Byte 17 bit 0. */
  readonly aptpl?: boolean;
  /** Bytes 18-19: the target port of the destination I_T nexus. */
  readonly relativeTargetPortIdentifier: number;
  /** The destination initiator port (see buildIscsiTransportId). */
  readonly transportId: Uint8Array;
}

/** The REGISTER AND MOVE parameter list (SPC-4 6.16.4, table 181). */
export function buildRegisterAndMoveParameterList(options: RegisterAndMoveParameterListOptions): Uint8Array {
  checkKey(options.reservationKey, 'RESERVATION KEY');
  checkKey(options.serviceActionReservationKey, 'SERVICE ACTION RESERVATION KEY');
  checkUint(options.relativeTargetPortIdentifier, 0xffff, 'RELATIVE TARGET PORT IDENTIFIER');
  return new ByteWriter(24 + options.transportId.length)
    .u64(0, options.reservationKey)
    .u64(8, options.serviceActionReservationKey)
    .u8(17, (options.unreg ? 0x02 : 0) | (options.aptpl ? 0x01 : 0))
    .u16(18, options.relativeTargetPortIdentifier)
    .u32(20, options.transportId.length)
    .set(24, options.transportId).bytes;
}
