/**
 * Vital product data pages (SPC-4 7.8): Supported VPD Pages (0x00, 7.8.16), Unit Serial Number
 * (0x80, 7.8.18) and Device Identification (0x83, 7.8.6) with every designator type SPC-5
 * defines. Each decoder takes the bytes received; `needed` is 4 + PAGE LENGTH.
 */
import type { ByteReader } from '../codec/bytes.ts';
import { scsiReader, latin1, toHex, trimmedAscii, untilNul, utf8 } from './bytes.ts';
import { ScsiDecodeError } from './errors.ts';
import { peripheralDeviceTypeName } from './inquiry.ts';

export const VPD_PAGE = {
  SUPPORTED_VPD_PAGES: 0x00,
  UNIT_SERIAL_NUMBER: 0x80,
  DEVICE_IDENTIFICATION: 0x83,
} as const;

/** VPD page names (SPC-4 7.8.1 table 589, SBC-3 6.5). */
export const VPD_PAGE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Supported VPD Pages',
  0x80: 'Unit Serial Number',
  0x83: 'Device Identification',
  0x84: 'Software Interface Identification',
  0x85: 'Management Network Addresses',
  0x86: 'Extended INQUIRY Data',
  0x87: 'Mode Page Policy',
  0x88: 'SCSI Ports',
  0x89: 'ATA Information',
  0x8a: 'Power Condition',
  0x8b: 'Device Constituents',
  0x8c: 'CFA Profile Information',
  0x8d: 'Power Consumption',
  0x8f: 'Third-party Copy',
  0x90: 'Protocol Specific Logical Unit Information',
  0x91: 'Protocol Specific Port Information',
  0xb0: 'Block Limits',
  0xb1: 'Block Device Characteristics',
  0xb2: 'Logical Block Provisioning',
  0xb3: 'Referrals',
};

/** CODE SET (SPC-4 7.8.6.1, table 600). */
export const CODE_SET_NAMES: Readonly<Record<number, 'binary' | 'ascii' | 'utf8'>> = {
  1: 'binary',
  2: 'ascii',
  3: 'utf8',
};
export type CodeSet = 'binary' | 'ascii' | 'utf8' | 'reserved';

/** ASSOCIATION (SPC-4 7.8.6.1, table 599). */
export const ASSOCIATION_NAMES: Readonly<Record<number, 'logical-unit' | 'target-port' | 'target-device'>> = {
  0: 'logical-unit',
  1: 'target-port',
  2: 'target-device',
};
export type Association = 'logical-unit' | 'target-port' | 'target-device' | 'reserved';

/** DESIGNATOR TYPE (SPC-4 7.8.6.1 table 601; protocol specific port identifier and UUID from SPC-5). */
export const DESIGNATOR_TYPE = {
  VENDOR_SPECIFIC: 0x0,
  T10_VENDOR_ID: 0x1,
  EUI_64: 0x2,
  NAA: 0x3,
  RELATIVE_TARGET_PORT: 0x4,
  TARGET_PORT_GROUP: 0x5,
  LOGICAL_UNIT_GROUP: 0x6,
  MD5_LOGICAL_UNIT: 0x7,
  SCSI_NAME_STRING: 0x8,
  PROTOCOL_SPECIFIC_PORT: 0x9,
  UUID: 0xa,
} as const;

export const DESIGNATOR_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x0: 'vendor specific',
  0x1: 'T10 vendor ID based',
  0x2: 'EUI-64 based',
  0x3: 'NAA',
  0x4: 'relative target port identifier',
  0x5: 'target port group',
  0x6: 'logical unit group',
  0x7: 'MD5 logical unit identifier',
  0x8: 'SCSI name string',
  0x9: 'protocol specific port identifier',
  0xa: 'UUID',
};

/** NAA field (SPC-4 7.8.6.6.1, table 609). */
export const NAA_NAMES: Readonly<Record<number, string>> = {
  0x2: 'IEEE Extended',
  0x3: 'Locally Assigned',
  0x5: 'IEEE Registered',
  0x6: 'IEEE Registered Extended',
};

/** PROTOCOL IDENTIFIER (SPC-4 7.6.1, table 444; SPC-5 adds UAS, SOP, PCIe). */
export const PROTOCOL_IDENTIFIER_NAMES: Readonly<Record<number, string>> = {
  0x0: 'Fibre Channel',
  0x1: 'parallel SCSI',
  0x2: 'SSA',
  0x3: 'IEEE 1394',
  0x4: 'SCSI RDMA',
  0x5: 'iSCSI',
  0x6: 'SAS',
  0x7: 'ADT',
  0x8: 'ATA/ATAPI',
  0x9: 'UAS',
  0xa: 'SOP',
  0xb: 'PCIe',
  0xf: 'no specific protocol',
};

export function protocolIdentifierName(id: number): string {
  return PROTOCOL_IDENTIFIER_NAMES[id] ?? `protocol 0x${id.toString(16)}`;
}

export interface VpdPageHeader {
  readonly peripheralQualifier: number;
  readonly peripheralDeviceType: number;
  readonly peripheralDeviceTypeName: string;
  readonly pageCode: number;
  readonly pageLength: number;
  /** 4 + PAGE LENGTH: the allocation length that returns the whole page. */
  readonly needed: number;
  readonly complete: boolean;
}

function decodeHeader(
  bytes: Uint8Array,
  expectedPage: number,
  structure: string,
): { header: VpdPageHeader; body: ByteReader } {
  const all = scsiReader(bytes, structure);
  const byte0 = all.u8(0, 'PERIPHERAL DEVICE TYPE');
  const pageCode = all.u8(1, 'PAGE CODE');
  if (pageCode !== expectedPage)
    throw new ScsiDecodeError(
      'invalid',
      structure,
      'PAGE CODE',
      1,
      1,
      bytes.length,
      `expected 0x${expectedPage.toString(16).padStart(2, '0')}, got 0x${pageCode.toString(16).padStart(2, '0')}`,
    );
  const pageLength = all.u16(2, 'PAGE LENGTH');
  const needed = 4 + pageLength;
  const present = Math.min(bytes.length, needed);
  return {
    header: {
      peripheralQualifier: byte0 >> 5,
      peripheralDeviceType: byte0 & 0x1f,
      peripheralDeviceTypeName: peripheralDeviceTypeName(byte0 & 0x1f),
      pageCode,
      pageLength,
      needed,
      complete: bytes.length >= needed,
    },
    body: all.sub(4, present - 4, 'page'),
  };
}

export interface SupportedVpdPages extends VpdPageHeader {
  readonly pages: readonly number[];
  readonly pageNames: readonly string[];
}

export function decodeSupportedVpdPages(bytes: Uint8Array): SupportedVpdPages {
  const { header, body } = decodeHeader(bytes, VPD_PAGE.SUPPORTED_VPD_PAGES, 'Supported VPD Pages page');
  const pages = [...body.bytes];
  return {
    ...header,
    pages,
    pageNames: pages.map((p) => VPD_PAGE_NAMES[p] ?? `page 0x${p.toString(16).padStart(2, '0')}`),
  };
}

export interface UnitSerialNumber extends VpdPageHeader {
  /** PRODUCT SERIAL NUMBER, leading and trailing spaces and NULs dropped. */
  readonly productSerialNumber: string;
}

export function decodeUnitSerialNumber(bytes: Uint8Array): UnitSerialNumber {
  const { header, body } = decodeHeader(bytes, VPD_PAGE.UNIT_SERIAL_NUMBER, 'Unit Serial Number page');
  return { ...header, productSerialNumber: trimmedAscii(body.bytes).replace(/^[\s\0]+/u, '') };
}

export interface Designator {
  readonly protocolIdentifier: number;
  /** Meaningful only when piv is set and the association is target port or target device. */
  readonly protocolName: string;
  readonly codeSet: CodeSet;
  readonly piv: boolean;
  readonly association: Association;
  readonly designatorType: number;
  readonly typeName: string;
  /** Binary code set: lowercase hex; ASCII/UTF-8: the text without NUL padding. */
  readonly value: string;
  readonly designatorLength: number;
  /** NAA field for designator type 3. */
  readonly naa?: number;
  readonly naaName?: string;
  /** T10 vendor ID based (type 1): bytes 0-7 and the rest. */
  readonly t10VendorIdentification?: string;
  readonly vendorSpecificIdentifier?: string;
  /** EUI-64 based (type 2): which of the 8, 12 and 16 byte forms. */
  readonly euiForm?: 'EUI-64' | 'EUI-64 with directory ID' | 'EUI-64 with identifier extension' | 'nonstandard length';
  readonly relativeTargetPortIdentifier?: number;
  readonly targetPortGroup?: number;
  readonly logicalUnitGroup?: number;
  /** UUID designator (type 0xA) of UUID TYPE 1, as 8-4-4-4-12. */
  readonly uuid?: string;
}

export interface DeviceIdentification extends VpdPageHeader {
  readonly designators: readonly Designator[];
}

const DEVICE_IDENTIFICATION = 'Device Identification page';

function formatUuid(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function decodeDesignator(r: ByteReader, offset: number): Designator {
  const byte0 = r.u8(offset, 'PROTOCOL IDENTIFIER');
  const byte1 = r.u8(offset + 1, 'DESIGNATOR TYPE');
  const designatorLength = r.u8(offset + 3, 'DESIGNATOR LENGTH');
  const d = r.slice(offset + 4, designatorLength, 'DESIGNATOR');
  const protocolIdentifier = byte0 >> 4;
  const codeSetValue = byte0 & 0x0f;
  const codeSet: CodeSet = CODE_SET_NAMES[codeSetValue] ?? 'reserved';
  const associationValue = (byte1 >> 4) & 0x03;
  const designatorType = byte1 & 0x0f;
  const text = codeSet === 'ascii' ? latin1(untilNul(d)) : codeSet === 'utf8' ? utf8(untilNul(d)) : undefined;
  const extra: { -readonly [K in keyof Designator]?: Designator[K] } = {};
  switch (designatorType) {
    case DESIGNATOR_TYPE.T10_VENDOR_ID:
      if (d.length >= 8) {
        extra.t10VendorIdentification = trimmedAscii(d.subarray(0, 8));
        extra.vendorSpecificIdentifier = codeSet === 'binary' ? toHex(d.subarray(8)) : latin1(untilNul(d.subarray(8)));
      }
      break;
    case DESIGNATOR_TYPE.EUI_64:
      extra.euiForm =
        d.length === 8
          ? 'EUI-64'
          : d.length === 12
            ? 'EUI-64 with directory ID'
            : d.length === 16
              ? 'EUI-64 with identifier extension'
              : 'nonstandard length';
      break;
    case DESIGNATOR_TYPE.NAA:
      if (d.length >= 1) {
        extra.naa = d[0]! >> 4;
        extra.naaName = NAA_NAMES[extra.naa] ?? `reserved NAA 0x${extra.naa.toString(16)}`;
      }
      break;
    // Types 4, 5, 6: bytes 0-1 reserved/obsolete, bytes 2-3 the identifier (SPC-4 7.8.6.7-7.8.6.9).
    case DESIGNATOR_TYPE.RELATIVE_TARGET_PORT:
      if (d.length >= 4) extra.relativeTargetPortIdentifier = (d[2]! << 8) | d[3]!;
      break;
    case DESIGNATOR_TYPE.TARGET_PORT_GROUP:
      if (d.length >= 4) extra.targetPortGroup = (d[2]! << 8) | d[3]!;
      break;
    case DESIGNATOR_TYPE.LOGICAL_UNIT_GROUP:
      if (d.length >= 4) extra.logicalUnitGroup = (d[2]! << 8) | d[3]!;
      break;
    case DESIGNATOR_TYPE.UUID:
      // SPC-5 7.7.6.13: byte 0 bits 7-4 UUID TYPE (1 = locally assigned RFC 4122), byte 1 reserved, 2-17 UUID.
      if (codeSet === 'binary' && d.length === 18 && d[0]! >> 4 === 1) extra.uuid = formatUuid(d.subarray(2));
      break;
  }
  return {
    protocolIdentifier,
    protocolName: protocolIdentifierName(protocolIdentifier),
    codeSet,
    piv: (byte1 & 0x80) !== 0,
    association: ASSOCIATION_NAMES[associationValue] ?? 'reserved',
    designatorType,
    typeName: DESIGNATOR_TYPE_NAMES[designatorType] ?? `reserved designator type 0x${designatorType.toString(16)}`,
    designatorLength,
    ...extra,
    value: text ?? toHex(d),
  };
}

/**
 * Device Identification VPD page. Designators cut short by the allocation length are left out
 * (complete = false); a designator that overruns the page's own PAGE LENGTH is malformed and
 * throws ScsiDecodeError.
 */
export function decodeDeviceIdentification(bytes: Uint8Array): DeviceIdentification {
  const { header, body } = decodeHeader(bytes, VPD_PAGE.DEVICE_IDENTIFICATION, DEVICE_IDENTIFICATION);
  const designators: Designator[] = [];
  let offset = 0;
  while (offset + 4 <= header.pageLength) {
    if (!body.has(offset, 4)) break;
    const designatorLength = body.u8(offset + 3, 'DESIGNATOR LENGTH');
    if (offset + 4 + designatorLength > header.pageLength) {
      throw new ScsiDecodeError(
        'invalid',
        DEVICE_IDENTIFICATION,
        'DESIGNATOR LENGTH',
        body.base + offset + 3,
        offset + 4 + designatorLength,
        header.pageLength,
        `designator of ${designatorLength} bytes runs past PAGE LENGTH ${header.pageLength}`,
      );
    }
    if (!body.has(offset + 4, designatorLength)) break;
    designators.push(decodeDesignator(body, offset));
    offset += 4 + designatorLength;
  }
  return { ...header, designators };
}
