/**
 * Sense data (SPC-4 4.5): fixed format (response codes 0x70/0x71, 4.5.3) and descriptor format
 * (0x72/0x73, 4.5.2), with names for sense keys and the additional sense codes clusterprobe meets.
 * Unknown codes decode with a generic name; only data too short for the sense key throws.
 */
import type { ByteReader } from '../codec/bytes.ts';
import { ScsiDecodeError, scsiReader, toHex } from './bytes.ts';

/** Sense keys (SPC-4 4.5.6, table 27). */
export const SENSE_KEY = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;

export const SENSE_KEY_NAMES: Readonly<Record<number, string>> = {
  0x0: 'NO SENSE',
  0x1: 'RECOVERED ERROR',
  0x2: 'NOT READY',
  0x3: 'MEDIUM ERROR',
  0x4: 'HARDWARE ERROR',
  0x5: 'ILLEGAL REQUEST',
  0x6: 'UNIT ATTENTION',
  0x7: 'DATA PROTECT',
  0x8: 'BLANK CHECK',
  0x9: 'VENDOR SPECIFIC',
  0xa: 'COPY ABORTED',
  0xb: 'ABORTED COMMAND',
  0xc: 'EQUAL (obsolete)',
  0xd: 'VOLUME OVERFLOW',
  0xe: 'MISCOMPARE',
  0xf: 'COMPLETED',
};

/**
 * Additional sense codes, keyed (ASC << 8) | ASCQ, names as SPC-4 Annex D writes them. The
 * ones clusterprobe acts on or reports; the rest get a generic name.
 */
export const ASC_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'NO ADDITIONAL SENSE INFORMATION',
  0x0400: 'LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE',
  0x0401: 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY',
  0x0402: 'LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED',
  0x0403: 'LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED',
  0x0404: 'LOGICAL UNIT NOT READY, FORMAT IN PROGRESS',
  0x0407: 'LOGICAL UNIT NOT READY, OPERATION IN PROGRESS',
  0x0409: 'LOGICAL UNIT NOT READY, SELF-TEST IN PROGRESS',
  0x040a: 'LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION',
  0x040b: 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE',
  0x040c: 'LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE',
  0x0412: 'LOGICAL UNIT NOT READY, OFFLINE',
  0x0800: 'LOGICAL UNIT COMMUNICATION FAILURE',
  0x0801: 'LOGICAL UNIT COMMUNICATION TIME-OUT',
  0x0c00: 'WRITE ERROR',
  0x1100: 'UNRECOVERED READ ERROR',
  0x1a00: 'PARAMETER LIST LENGTH ERROR',
  0x2000: 'INVALID COMMAND OPERATION CODE',
  0x2100: 'LOGICAL BLOCK ADDRESS OUT OF RANGE',
  0x2400: 'INVALID FIELD IN CDB',
  0x2500: 'LOGICAL UNIT NOT SUPPORTED',
  0x2600: 'INVALID FIELD IN PARAMETER LIST',
  0x2601: 'PARAMETER NOT SUPPORTED',
  0x2602: 'PARAMETER VALUE INVALID',
  0x2604: 'INVALID RELEASE OF PERSISTENT RESERVATION',
  0x2700: 'WRITE PROTECTED',
  0x2800: 'NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED',
  0x2900: 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED',
  0x2901: 'POWER ON OCCURRED',
  0x2902: 'SCSI BUS RESET OCCURRED',
  0x2903: 'BUS DEVICE RESET FUNCTION OCCURRED',
  0x2904: 'DEVICE INTERNAL RESET',
  0x2907: 'I_T NEXUS LOSS OCCURRED',
  0x2a00: 'PARAMETERS CHANGED',
  0x2a01: 'MODE PARAMETERS CHANGED',
  0x2a03: 'RESERVATIONS PREEMPTED',
  0x2a04: 'RESERVATIONS RELEASED',
  0x2a05: 'REGISTRATIONS PREEMPTED',
  0x2a06: 'ASYMMETRIC ACCESS STATE CHANGED',
  0x2a09: 'CAPACITY DATA HAS CHANGED',
  0x2c00: 'COMMAND SEQUENCE ERROR',
  0x2c09: 'PREVIOUS RESERVATION CONFLICT STATUS',
  0x2f00: 'COMMANDS CLEARED BY ANOTHER INITIATOR',
  0x3a00: 'MEDIUM NOT PRESENT',
  0x3e00: 'LOGICAL UNIT HAS NOT SELF-CONFIGURED YET',
  0x3e01: 'LOGICAL UNIT FAILURE',
  0x3e02: 'TIMEOUT ON LOGICAL UNIT',
  0x3f00: 'TARGET OPERATING CONDITIONS HAVE CHANGED',
  0x3f01: 'MICROCODE HAS BEEN CHANGED',
  0x3f03: 'INQUIRY DATA HAS CHANGED',
  0x3f05: 'DEVICE IDENTIFIER CHANGED',
  0x3f0e: 'REPORTED LUNS DATA HAS CHANGED',
  0x4400: 'INTERNAL TARGET FAILURE',
  0x4700: 'SCSI PARITY ERROR',
  0x4b00: 'DATA PHASE ERROR',
  0x4e00: 'OVERLAPPED COMMANDS ATTEMPTED',
  0x5502: 'INSUFFICIENT RESERVATION RESOURCES',
  0x5503: 'INSUFFICIENT RESOURCES',
  0x5504: 'INSUFFICIENT REGISTRATION RESOURCES',
};

export function senseKeyName(senseKey: number): string {
  return SENSE_KEY_NAMES[senseKey] ?? `sense key 0x${senseKey.toString(16)}`;
}

function h2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

/** The name of an ASC/ASCQ pair; vendor specific ranges (SPC-4 4.5.2.1: 0x80-0xFF) say so. */
export function ascName(asc: number, ascq: number): string {
  const known = ASC_NAMES[(asc << 8) | ascq];
  if (known !== undefined) return known;
  if (asc >= 0x80) return `VENDOR SPECIFIC ASC 0x${h2(asc)}/0x${h2(ascq)}`;
  if (ascq >= 0x80) return `ASC 0x${h2(asc)} WITH VENDOR SPECIFIC ASCQ 0x${h2(ascq)}`;
  return `ASC 0x${h2(asc)} ASCQ 0x${h2(ascq)}`;
}

/** Sense data descriptor types (SPC-4 4.5.2.1, table 26). */
export const SENSE_DESCRIPTOR_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'information',
  0x01: 'command-specific information',
  0x02: 'sense key specific',
  0x03: 'field replaceable unit',
  0x04: 'stream commands',
  0x05: 'block commands',
  0x06: 'OSD object identification',
  0x07: 'OSD response integrity check value',
  0x08: 'OSD attribute identification',
  0x09: 'ATA status return',
  0x0a: 'another progress indication',
  0x0b: 'user data segment referral',
  0x0c: 'forwarded sense data',
  0x0d: 'direct-access block device',
};

/** The SENSE KEY SPECIFIC field (SPC-4 4.5.2.4), decoded when SKSV is set. */
export type SenseKeySpecific =
  | {
      readonly kind: 'field-pointer';
      readonly cd: boolean;
      readonly bpv: boolean;
      readonly bitPointer: number;
      readonly fieldPointer: number;
    }
  | { readonly kind: 'progress-indication'; readonly progressIndication: number }
  | { readonly kind: 'other'; readonly hex: string };

export interface SenseDescriptor {
  readonly descriptorType: number;
  readonly name: string;
  /** The descriptor's bytes after its two header bytes, hex. */
  readonly hex: string;
}

export interface Sense {
  readonly format: 'fixed' | 'descriptor';
  /** 0x70, 0x71, 0x72 or 0x73. */
  readonly responseCode: number;
  /** True for current errors (0x70/0x72), false for deferred (0x71/0x73). */
  readonly current: boolean;
  readonly senseKey: number;
  readonly senseKeyName: string;
  /** Undefined when the sense data ends before the ASC/ASCQ bytes. */
  readonly asc: number | undefined;
  readonly ascq: number | undefined;
  readonly ascName: string | undefined;
  /** INFORMATION: fixed format only when VALID is set; descriptor format from an information descriptor. */
  readonly information?: bigint;
  readonly commandSpecificInformation?: bigint;
  readonly senseKeySpecific?: SenseKeySpecific;
  readonly fieldReplaceableUnitCode?: number;
  /** Fixed format byte 2 bits 7-5. */
  readonly filemark?: boolean;
  readonly eom?: boolean;
  readonly ili?: boolean;
  readonly descriptors?: readonly SenseDescriptor[];
  readonly additionalSenseLength: number;
  /** 8 + ADDITIONAL SENSE LENGTH: the length the target meant to send. */
  readonly needed: number;
  readonly complete: boolean;
}

const STRUCTURE = 'sense data';

function decodeSenseKeySpecific(bytes: Uint8Array, senseKey: number): SenseKeySpecific | undefined {
  // bytes: the three SENSE KEY SPECIFIC bytes; byte 0 bit 7 is SKSV.
  if ((bytes[0]! & 0x80) === 0) return undefined;
  if (senseKey === SENSE_KEY.ILLEGAL_REQUEST) {
    return {
      kind: 'field-pointer',
      cd: (bytes[0]! & 0x40) !== 0,
      bpv: (bytes[0]! & 0x08) !== 0,
      bitPointer: bytes[0]! & 0x07,
      fieldPointer: (bytes[1]! << 8) | bytes[2]!,
    };
  }
  if (senseKey === SENSE_KEY.NOT_READY || senseKey === SENSE_KEY.NO_SENSE) {
    return { kind: 'progress-indication', progressIndication: (bytes[1]! << 8) | bytes[2]! };
  }
  return { kind: 'other', hex: toHex(bytes) };
}

/**
 * Decodes sense data as received (possibly shorter than the target meant). Throws
 * ScsiDecodeError only when even the response code or sense key is missing, or the response
 * code is not one of 0x70-0x73.
 */
export function decodeSense(bytes: Uint8Array): Sense {
  const r = scsiReader(bytes, STRUCTURE);
  const responseCode = r.u8(0, 'RESPONSE CODE') & 0x7f;
  if (responseCode === 0x70 || responseCode === 0x71) return decodeFixed(r, responseCode);
  if (responseCode === 0x72 || responseCode === 0x73) return decodeDescriptorFormat(r, responseCode);
  throw new ScsiDecodeError(
    'invalid',
    STRUCTURE,
    'RESPONSE CODE',
    0,
    1,
    bytes.length,
    `0x${responseCode.toString(16)} is neither fixed (0x70/0x71) nor descriptor (0x72/0x73) format`,
  );
}

/** What both formats decode, each from its own place; `undefined` where the data does not carry it. */
interface SenseFields {
  readonly format: Sense['format'];
  readonly responseCode: number;
  readonly senseKey: number;
  readonly asc: number | undefined;
  readonly ascq: number | undefined;
  readonly information: bigint | undefined;
  readonly commandSpecificInformation: bigint | undefined;
  readonly senseKeySpecific: SenseKeySpecific | undefined;
  readonly fieldReplaceableUnitCode: number | undefined;
  readonly additionalSenseLength: number;
  /** Bytes received. */
  readonly received: number;
}

/** One Sense from either format: the shared fields, then the format's own (`formatOnly`), then the lengths. */
function assembleSense(
  f: SenseFields,
  formatOnly: Pick<Sense, 'filemark' | 'eom' | 'ili'> | Pick<Sense, 'descriptors'>,
): Sense {
  const needed = 8 + f.additionalSenseLength;
  return {
    format: f.format,
    responseCode: f.responseCode,
    current: f.responseCode === (f.format === 'fixed' ? 0x70 : 0x72),
    senseKey: f.senseKey,
    senseKeyName: senseKeyName(f.senseKey),
    asc: f.asc,
    ascq: f.ascq,
    ascName: f.asc !== undefined && f.ascq !== undefined ? ascName(f.asc, f.ascq) : undefined,
    ...(f.information !== undefined ? { information: f.information } : {}),
    ...(f.commandSpecificInformation !== undefined ? { commandSpecificInformation: f.commandSpecificInformation } : {}),
    ...(f.senseKeySpecific !== undefined ? { senseKeySpecific: f.senseKeySpecific } : {}),
    ...(f.fieldReplaceableUnitCode !== undefined ? { fieldReplaceableUnitCode: f.fieldReplaceableUnitCode } : {}),
    ...formatOnly,
    additionalSenseLength: f.additionalSenseLength,
    needed,
    complete: f.received >= needed,
  };
}

function decodeFixed(r: ByteReader, responseCode: number): Sense {
  const valid = (r.u8(0, 'VALID') & 0x80) !== 0;
  const byte2 = r.u8(2, 'SENSE KEY');
  const senseKey = byte2 & 0x0f;
  const additionalSenseLength = r.has(7) ? r.u8(7, 'ADDITIONAL SENSE LENGTH') : 0;
  const needed = 8 + additionalSenseLength;
  const d = r.limit(needed);
  const asc = d.has(12, 2) ? d.u8(12, 'ADDITIONAL SENSE CODE') : undefined;
  const ascq = asc !== undefined ? d.u8(13, 'ADDITIONAL SENSE CODE QUALIFIER') : undefined;
  const information = valid && d.has(3, 4) ? BigInt(d.u32(3, 'INFORMATION')) : undefined;
  const csi = d.has(8, 4) ? d.u32(8, 'COMMAND-SPECIFIC INFORMATION') : undefined;
  const fru = d.has(14) ? d.u8(14, 'FIELD REPLACEABLE UNIT CODE') : undefined;
  const sks = d.has(15, 3) ? decodeSenseKeySpecific(d.slice(15, 3, 'SENSE KEY SPECIFIC'), senseKey) : undefined;
  return assembleSense(
    {
      format: 'fixed',
      responseCode,
      senseKey,
      asc,
      ascq,
      information,
      // Fixed format has no "absent": a zero CSI or FRU code means none.
      commandSpecificInformation: csi !== undefined && csi !== 0 ? BigInt(csi) : undefined,
      senseKeySpecific: sks,
      fieldReplaceableUnitCode: fru !== undefined && fru !== 0 ? fru : undefined,
      additionalSenseLength,
      received: r.length,
    },
    { filemark: (byte2 & 0x80) !== 0, eom: (byte2 & 0x40) !== 0, ili: (byte2 & 0x20) !== 0 },
  );
}

function decodeDescriptorFormat(r: ByteReader, responseCode: number): Sense {
  const senseKey = r.u8(1, 'SENSE KEY') & 0x0f;
  const asc = r.has(2) ? r.u8(2, 'ADDITIONAL SENSE CODE') : undefined;
  const ascq = r.has(3) ? r.u8(3, 'ADDITIONAL SENSE CODE QUALIFIER') : undefined;
  const additionalSenseLength = r.has(7) ? r.u8(7, 'ADDITIONAL SENSE LENGTH') : 0;
  const needed = 8 + additionalSenseLength;
  const d = r.limit(needed);
  const descriptors: SenseDescriptor[] = [];
  let information: bigint | undefined;
  let commandSpecificInformation: bigint | undefined;
  let senseKeySpecific: SenseKeySpecific | undefined;
  let fru: number | undefined;
  // Each descriptor: byte 0 DESCRIPTOR TYPE, byte 1 ADDITIONAL LENGTH, then that many bytes.
  let offset = 8;
  while (d.has(offset, 2)) {
    const descriptorType = d.u8(offset, 'DESCRIPTOR TYPE');
    const length = d.u8(offset + 1, 'ADDITIONAL LENGTH');
    if (!d.has(offset + 2, length)) break; // cut short by the allocation or the transport
    const body = d.slice(offset + 2, length, 'sense data descriptor');
    descriptors.push({
      descriptorType,
      name:
        SENSE_DESCRIPTOR_TYPE_NAMES[descriptorType] ??
        `descriptor type 0x${descriptorType.toString(16).padStart(2, '0')}`,
      hex: toHex(body),
    });
    if (descriptorType === 0x00 && length >= 10 && (body[0]! & 0x80) !== 0)
      information = scsiReader(body, STRUCTURE).u64(2, 'INFORMATION');
    else if (descriptorType === 0x01 && length >= 10)
      commandSpecificInformation = scsiReader(body, STRUCTURE).u64(2, 'COMMAND-SPECIFIC INFORMATION');
    else if (descriptorType === 0x02 && length >= 6)
      senseKeySpecific = decodeSenseKeySpecific(body.subarray(2, 5), senseKey);
    else if (descriptorType === 0x03 && length >= 2) fru = body[1];
    offset += 2 + length;
  }
  return assembleSense(
    {
      format: 'descriptor',
      responseCode,
      senseKey,
      asc,
      ascq,
      information,
      commandSpecificInformation,
      senseKeySpecific,
      fieldReplaceableUnitCode: fru,
      additionalSenseLength,
      received: r.length,
    },
    { descriptors },
  );
}
