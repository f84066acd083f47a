/**
 * Standard INQUIRY data (SPC-4 6.6.2, table 142). Decodes the bytes actually received: fields
 * past the end are undefined, and `needed` (5 + ADDITIONAL LENGTH) tells the caller what
 * allocation length would bring the whole of it.
 */
import type { ByteReader } from '../codec/bytes.ts';
import { scsiReader, trimmedAscii } from './bytes.ts';
import { ScsiDecodeError } from './errors.ts';

/** PERIPHERAL DEVICE TYPE (SPC-4 6.6.2, table 144). */
export const PERIPHERAL_DEVICE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'direct access block device',
  0x01: 'sequential access device',
  0x02: 'printer device',
  0x03: 'processor device',
  0x04: 'write-once device',
  0x05: 'CD/DVD device',
  0x06: 'scanner device',
  0x07: 'optical memory device',
  0x08: 'media changer device',
  0x09: 'communications device',
  0x0c: 'storage array controller device',
  0x0d: 'enclosure services device',
  0x0e: 'simplified direct access device',
  0x0f: 'optical card reader/writer device',
  0x10: 'bridge controller commands',
  0x11: 'object-based storage device',
  0x12: 'automation/drive interface',
  0x13: 'security manager device',
  0x14: 'host managed zoned block device',
  0x1e: 'well known logical unit',
  0x1f: 'unknown or no device type',
};

export const PERIPHERAL_DEVICE_TYPE = {
  DISK: 0x00,
  TAPE: 0x01,
  CD_DVD: 0x05,
  MEDIA_CHANGER: 0x08,
  STORAGE_ARRAY_CONTROLLER: 0x0c,
  ENCLOSURE_SERVICES: 0x0d,
  WELL_KNOWN_LU: 0x1e,
  UNKNOWN: 0x1f,
} as const;

/** PERIPHERAL QUALIFIER (SPC-4 6.6.2, table 143). */
export const PERIPHERAL_QUALIFIER_NAMES: Readonly<Record<number, string>> = {
  0: 'connected',
  1: 'not connected',
  2: 'reserved',
  3: 'not supported',
};

/** VERSION (SPC-4 6.6.2, table 145). */
export const VERSION_NAMES: Readonly<Record<number, string>> = {
  0x00: 'no standard claimed',
  0x03: 'SPC',
  0x04: 'SPC-2',
  0x05: 'SPC-3',
  0x06: 'SPC-4',
  0x07: 'SPC-5',
};

/** TARGET PORT GROUP SUPPORT (SPC-4 6.6.2, table 146). */
export const TPGS_NAMES: Readonly<Record<number, string>> = {
  0: 'asymmetric logical unit access not supported',
  1: 'implicit asymmetric logical unit access only',
  2: 'explicit asymmetric logical unit access only',
  3: 'implicit and explicit asymmetric logical unit access',
};

export function peripheralDeviceTypeName(type: number): string {
  return PERIPHERAL_DEVICE_TYPE_NAMES[type] ?? `reserved device type 0x${type.toString(16).padStart(2, '0')}`;
}

export interface StandardInquiry {
  readonly peripheralQualifier: number;
  readonly peripheralQualifierName: string;
  readonly peripheralDeviceType: number;
  readonly peripheralDeviceTypeName: string;
  readonly rmb: boolean;
  readonly version: number;
  readonly versionName: string;
  readonly normaca: boolean;
  readonly hisup: boolean;
  readonly responseDataFormat: number;
  readonly additionalLength: number;
  readonly sccs: boolean;
  readonly acc: boolean;
  readonly tpgs: number;
  readonly tpgsName: string;
  readonly threePC: boolean;
  readonly protect: boolean;
  readonly encserv: boolean;
  readonly multip: boolean;
  readonly cmdque: boolean;
  /** T10 VENDOR IDENTIFICATION, bytes 8-15, trailing spaces dropped; undefined if not all received. */
  readonly t10VendorIdentification: string | undefined;
  /** PRODUCT IDENTIFICATION, bytes 16-31. */
  readonly productIdentification: string | undefined;
  /** PRODUCT REVISION LEVEL, bytes 32-35. */
  readonly productRevisionLevel: string | undefined;
  /** VERSION DESCRIPTOR 1-8, bytes 58-73, the non-zero ones received. */
  readonly versionDescriptors: readonly number[];
  /** 5 + ADDITIONAL LENGTH: the allocation length that returns all of the data. */
  readonly needed: number;
  readonly complete: boolean;
}

const STRUCTURE = 'standard INQUIRY data';

function optionalAscii(r: ByteReader, offset: number, length: number, field: string): string | undefined {
  return r.has(offset, length) ? trimmedAscii(r.slice(offset, length, field)) : undefined;
}

/** Standard INQUIRY data: at least the first 8 bytes (the fixed flags) must be present. */
export function decodeStandardInquiry(bytes: Uint8Array): StandardInquiry {
  const all = scsiReader(bytes, STRUCTURE);
  const byte0 = all.u8(0, 'PERIPHERAL DEVICE TYPE');
  const additionalLength = all.u8(4, 'ADDITIONAL LENGTH');
  const needed = 5 + additionalLength;
  if (needed < 8)
    throw new ScsiDecodeError(
      'invalid',
      STRUCTURE,
      'ADDITIONAL LENGTH',
      4,
      1,
      bytes.length,
      `${additionalLength} leaves no room for bytes 5-7`,
    );
  const r = all.limit(needed);
  const byte1 = r.u8(1, 'RMB');
  const byte3 = r.u8(3, 'RESPONSE DATA FORMAT');
  const byte5 = r.u8(5, 'SCCS');
  const byte6 = r.u8(6, 'ENCSERV');
  const byte7 = r.u8(7, 'CMDQUE');
  const version = r.u8(2, 'VERSION');
  const versionDescriptors: number[] = [];
  for (let offset = 58; offset < 74 && r.has(offset, 2); offset += 2) {
    const descriptor = r.u16(offset, 'VERSION DESCRIPTOR');
    if (descriptor !== 0) versionDescriptors.push(descriptor);
  }
  const peripheralQualifier = byte0 >> 5;
  const peripheralDeviceType = byte0 & 0x1f;
  const tpgs = (byte5 >> 4) & 0x03;
  return {
    peripheralQualifier,
    peripheralQualifierName: PERIPHERAL_QUALIFIER_NAMES[peripheralQualifier]!,
    peripheralDeviceType,
    peripheralDeviceTypeName: peripheralDeviceTypeName(peripheralDeviceType),
    rmb: (byte1 & 0x80) !== 0,
    version,
    versionName: VERSION_NAMES[version] ?? `version 0x${version.toString(16).padStart(2, '0')}`,
    normaca: (byte3 & 0x20) !== 0,
    hisup: (byte3 & 0x10) !== 0,
    responseDataFormat: byte3 & 0x0f,
    additionalLength,
    sccs: (byte5 & 0x80) !== 0,
    acc: (byte5 & 0x40) !== 0,
    tpgs,
    tpgsName: TPGS_NAMES[tpgs]!,
    threePC: (byte5 & 0x08) !== 0,
    protect: (byte5 & 0x01) !== 0,
    encserv: (byte6 & 0x40) !== 0,
    multip: (byte6 & 0x10) !== 0,
    cmdque: (byte7 & 0x02) !== 0,
    t10VendorIdentification: optionalAscii(r, 8, 8, 'T10 VENDOR IDENTIFICATION'),
    productIdentification: optionalAscii(r, 16, 16, 'PRODUCT IDENTIFICATION'),
    productRevisionLevel: optionalAscii(r, 32, 4, 'PRODUCT REVISION LEVEL'),
    versionDescriptors,
    needed,
    complete: bytes.length >= needed,
  };
}
