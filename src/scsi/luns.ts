/**
 * REPORT LUNS parameter data (SPC-4 6.33, table 282): LUN LIST LENGTH (4 bytes), 4 reserved, then
 * 8 bytes per logical unit number in SAM-5 format (4.7). Single level LUNs in peripheral device
 * (00b) and flat space (01b) addressing decode to a number; others keep their raw bytes.
 */
import { scsiReader, toHex } from './bytes.ts';

/** ADDRESS METHOD, byte 0 bits 7-6 (SAM-5 4.7.3, table 8). */
export const LUN_ADDRESS_METHOD_NAMES: Readonly<Record<number, 'peripheral' | 'flat' | 'logical-unit' | 'extended'>> = {
  0: 'peripheral',
  1: 'flat',
  2: 'logical-unit',
  3: 'extended',
};

export interface LunEntry {
  /** The LUN number for single level peripheral (bus 0) or flat space addressing; else undefined. */
  readonly lun: number | undefined;
  readonly addressMethod: 'peripheral' | 'flat' | 'logical-unit' | 'extended';
  /** Bytes 2-7 are zero: a single level LUN. */
  readonly singleLevel: boolean;
  /** The 8 bytes, hex. */
  readonly hex: string;
}

export interface ReportLuns {
  readonly lunListLength: number;
  readonly luns: readonly LunEntry[];
  /** 8 + LUN LIST LENGTH: the allocation length that returns the whole list. */
  readonly needed: number;
  /** Whether all LUN LIST LENGTH bytes were received. */
  readonly complete: boolean;
}

export function decodeLunEntry(b: Uint8Array): LunEntry {
  const addressMethod = LUN_ADDRESS_METHOD_NAMES[b[0]! >> 6]!;
  let singleLevel = true;
  for (let i = 2; i < 8; i++) if (b[i] !== 0) singleLevel = false;
  let lun: number | undefined;
  if (singleLevel && addressMethod === 'peripheral' && (b[0]! & 0x3f) === 0) lun = b[1]!;
  else if (singleLevel && addressMethod === 'flat') lun = ((b[0]! & 0x3f) << 8) | b[1]!;
  return { lun, addressMethod, singleLevel, hex: toHex(b) };
}

export function decodeReportLuns(bytes: Uint8Array): ReportLuns {
  const r = scsiReader(bytes, 'REPORT LUNS parameter data');
  const lunListLength = r.u32(0, 'LUN LIST LENGTH');
  const needed = 8 + lunListLength;
  const present = Math.max(0, Math.min(bytes.length, needed) - 8);
  const luns: LunEntry[] = [];
  for (let offset = 8; offset + 8 <= 8 + present; offset += 8) luns.push(decodeLunEntry(r.slice(offset, 8, 'LUN')));
  return { lunListLength, luns, needed, complete: bytes.length >= needed };
}
