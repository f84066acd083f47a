/**
 * TransportIDs (SPC-4 7.6.4): how PERSISTENT RESERVE IN READ FULL STATUS names a registrant's
 * initiator port, and how PERSISTENT RESERVE OUT names one (SPEC_I_PT, REGISTER AND MOVE).
 * Byte 0: FORMAT CODE bits 7-6, PROTOCOL IDENTIFIER bits 3-0.
 */
import { ByteWriter } from '../codec/bytes.ts';
import { checkUint, scsiReader, toHex, untilNul, utf8 } from './bytes.ts';
import { protocolIdentifierName } from './vpd.ts';

export const PROTOCOL_IDENTIFIER = {
  FIBRE_CHANNEL: 0x0,
  SBP: 0x3,
  SRP: 0x4,
  ISCSI: 0x5,
  SAS: 0x6,
} as const;

export interface TransportId {
  readonly protocolIdentifier: number;
  readonly protocolName: string;
  readonly formatCode: number;
  /** iSCSI: format 00b names the initiator device, 01b the initiator port (name + ISID). */
  readonly iscsiFormat?: 'device' | 'port';
  /** iSCSI NAME, without the separator, ISID or padding. */
  readonly iscsiName?: string;
  /** iSCSI format 01b: the ISCSI INITIATOR SESSION ID as 12 lowercase hex digits. */
  readonly isid?: string;
  /** Fibre Channel N_PORT_NAME, SAS ADDRESS, SRP INITIATOR PORT IDENTIFIER or IEEE 1394 EUI-64, hex. */
  readonly portIdentifier?: string;
  /** The TransportID's own length: 4 + ADDITIONAL LENGTH for iSCSI, 24 for the others. */
  readonly length: number;
  readonly hex: string;
}

const ISCSI_SEPARATOR = ',i,0x';

/**
 * Decodes one TransportID from the bytes given (normally exactly the TransportID). Needs at
 * least 4 bytes; fields of a fixed-length TransportID that are not all present are left out.
 */
export function decodeTransportId(bytes: Uint8Array): TransportId {
  const r = scsiReader(bytes, 'TransportID');
  r.slice(0, 4, 'TransportID header');
  const byte0 = r.u8(0, 'PROTOCOL IDENTIFIER');
  const protocolIdentifier = byte0 & 0x0f;
  const formatCode = byte0 >> 6;
  const base = { protocolIdentifier, protocolName: protocolIdentifierName(protocolIdentifier), formatCode };
  const fixed = (offset: number, length: number): TransportId => {
    const present = Math.min(bytes.length, 24);
    return {
      ...base,
      ...(r.has(offset, length) ? { portIdentifier: toHex(r.slice(offset, length, 'port identifier')) } : {}),
      length: 24,
      hex: toHex(bytes.subarray(0, present)),
    };
  };
  switch (protocolIdentifier) {
    case PROTOCOL_IDENTIFIER.ISCSI: {
      // SPC-4 7.6.4.6: ADDITIONAL LENGTH bytes 2-3, then ISCSI NAME, null-terminated and padded;
      // format 01b: ISCSI NAME ",i,0x" ISCSI INITIATOR SESSION ID (hex digits), null-terminated.
      const length = 4 + r.u16(2, 'ADDITIONAL LENGTH');
      const present = Math.min(bytes.length, length);
      const text = utf8(untilNul(bytes.subarray(4, present)));
      const separator = formatCode === 1 ? text.indexOf(ISCSI_SEPARATOR) : -1;
      return {
        ...base,
        iscsiFormat: formatCode === 1 ? 'port' : 'device',
        iscsiName: separator >= 0 ? text.slice(0, separator) : text,
        ...(separator >= 0 ? { isid: text.slice(separator + ISCSI_SEPARATOR.length).toLowerCase() } : {}),
        length,
        hex: toHex(bytes.subarray(0, present)),
      };
    }
    case PROTOCOL_IDENTIFIER.FIBRE_CHANNEL:
      return fixed(8, 8); // N_PORT_NAME, bytes 8-15 (7.6.4.2)
    case PROTOCOL_IDENTIFIER.SBP:
      return fixed(8, 8); // EUI-64 NAME, bytes 8-15 (7.6.4.4)
    case PROTOCOL_IDENTIFIER.SRP:
      return fixed(8, 16); // INITIATOR PORT IDENTIFIER, bytes 8-23 (7.6.4.5)
    case PROTOCOL_IDENTIFIER.SAS:
      return fixed(4, 8); // SAS ADDRESS, bytes 4-11 (7.6.4.7)
    default:
      return { ...base, length: 24, hex: toHex(bytes.subarray(0, Math.min(bytes.length, 24))) };
  }
}

export interface IscsiTransportIdOptions {
  /** The initiator's iSCSI name (iqn., eui., naa.). */
  readonly iscsiName: string;
  /** The 6-byte ISID: gives format 01b (initiator port). Absent: format 00b (initiator device). */
  readonly isid?: Uint8Array;
}

/**
 * An iSCSI TransportID (SPC-4 7.6.4.6, RFC 7143 4.2.7.2): 0x05 / 0x45, ADDITIONAL LENGTH, then
 * `name` or `name,i,0x<ISID>`, NUL-terminated and padded with NULs to a multiple of 4, at least
 * 20 bytes after the header.
 */
export function buildIscsiTransportId(options: IscsiTransportIdOptions): Uint8Array {
  const { iscsiName, isid } = options;
  if (iscsiName.length === 0 || iscsiName.includes('\0') || iscsiName.includes(','))
    throw new RangeError('iSCSI name must be non-empty, without NUL or comma');
  if (isid !== undefined && isid.length !== 6) throw new RangeError(`ISID must be 6 bytes, got ${isid.length}`);
  const text = isid === undefined ? iscsiName : `${iscsiName}${ISCSI_SEPARATOR}${toHex(isid)}`;
  const encoded = new TextEncoder().encode(text);
  const additionalLength = Math.max(20, (encoded.length + 1 + 3) & ~3);
  checkUint(additionalLength, 0xffff, 'TransportID ADDITIONAL LENGTH');
  return new ByteWriter(4 + additionalLength)
    .u8(0, (isid === undefined ? 0x00 : 0x40) | PROTOCOL_IDENTIFIER.ISCSI)
    .u16(2, additionalLength)
    .set(4, encoded).bytes;
}
