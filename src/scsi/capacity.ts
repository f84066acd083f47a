/**
 * READ CAPACITY(10) parameter data (SBC-3 5.15.2, 8 bytes) and READ CAPACITY(16) parameter data
 * (SBC-3 5.16.2, 32 bytes). Sizes are bigint; `sizeBytesNumber` is the same when it fits in a
 * double exactly.
 */
import { scsiReader, safeNumber } from './bytes.ts';

export interface ReadCapacity10 {
  readonly command: 'READ CAPACITY(10)';
  /** The last LBA; 0xFFFFFFFF means "too large, use READ CAPACITY(16)". */
  readonly returnedLogicalBlockAddress: bigint;
  readonly logicalBlockLength: number;
  /** RETURNED LOGICAL BLOCK ADDRESS was 0xFFFFFFFF. */
  readonly needsReadCapacity16: boolean;
  /** (last LBA + 1) x block length; only a lower bound when needsReadCapacity16. */
  readonly sizeBytes: bigint;
  readonly sizeBytesNumber: number | undefined;
}

export interface ReadCapacity16 {
  readonly command: 'READ CAPACITY(16)';
  readonly returnedLogicalBlockAddress: bigint;
  readonly logicalBlockLength: number;
  readonly sizeBytes: bigint;
  readonly sizeBytesNumber: number | undefined;
  /** The fields of bytes 12-15, undefined when fewer than 16 bytes were received. */
  readonly rcBasis: number | undefined;
  readonly pType: number | undefined;
  readonly protEn: boolean | undefined;
  readonly pIExponent: number | undefined;
  readonly logicalBlocksPerPhysicalBlockExponent: number | undefined;
  /** Logical block provisioning management enabled (thin provisioning). */
  readonly lbpme: boolean | undefined;
  readonly lbprz: boolean | undefined;
  readonly lowestAlignedLogicalBlockAddress: number | undefined;
}

export type ReadCapacity = ReadCapacity10 | ReadCapacity16;

function size(lastLba: bigint, blockLength: number): { sizeBytes: bigint; sizeBytesNumber: number | undefined } {
  const sizeBytes = (lastLba + 1n) * BigInt(blockLength);
  return { sizeBytes, sizeBytesNumber: safeNumber(sizeBytes) };
}

export function decodeReadCapacity10(bytes: Uint8Array): ReadCapacity10 {
  const r = scsiReader(bytes, 'READ CAPACITY(10) parameter data');
  const lba = r.u32(0, 'RETURNED LOGICAL BLOCK ADDRESS');
  const logicalBlockLength = r.u32(4, 'LOGICAL BLOCK LENGTH IN BYTES');
  return {
    command: 'READ CAPACITY(10)',
    returnedLogicalBlockAddress: BigInt(lba),
    logicalBlockLength,
    needsReadCapacity16: lba === 0xffffffff,
    ...size(BigInt(lba), logicalBlockLength),
  };
}

/** Needs bytes 0-11; bytes 12-15 are decoded when present. */
export function decodeReadCapacity16(bytes: Uint8Array): ReadCapacity16 {
  const r = scsiReader(bytes, 'READ CAPACITY(16) parameter data');
  const lba = r.u64(0, 'RETURNED LOGICAL BLOCK ADDRESS');
  const logicalBlockLength = r.u32(8, 'LOGICAL BLOCK LENGTH IN BYTES');
  const tail = r.has(12, 4) ? r.slice(12, 4, 'bytes 12-15') : undefined;
  return {
    command: 'READ CAPACITY(16)',
    returnedLogicalBlockAddress: lba,
    logicalBlockLength,
    ...size(lba, logicalBlockLength),
    // byte 12: RC BASIS bits 5-4, P_TYPE bits 3-1, PROT_EN bit 0; byte 13: P_I_EXPONENT bits 7-4,
    // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT bits 3-0; byte 14: LBPME bit 7, LBPRZ bit 6;
    // bytes 14-15: LOWEST ALIGNED LOGICAL BLOCK ADDRESS (14 bits).
    rcBasis: tail ? (tail[0]! >> 4) & 0x03 : undefined,
    pType: tail ? (tail[0]! >> 1) & 0x07 : undefined,
    protEn: tail ? (tail[0]! & 0x01) !== 0 : undefined,
    pIExponent: tail ? tail[1]! >> 4 : undefined,
    logicalBlocksPerPhysicalBlockExponent: tail ? tail[1]! & 0x0f : undefined,
    lbpme: tail ? (tail[2]! & 0x80) !== 0 : undefined,
    lbprz: tail ? (tail[2]! & 0x40) !== 0 : undefined,
    lowestAlignedLogicalBlockAddress: tail ? ((tail[2]! & 0x3f) << 8) | tail[3]! : undefined,
  };
}
