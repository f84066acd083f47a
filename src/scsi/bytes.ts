/**
 * The SCSI area's side of the byte codec (src/codec/bytes.ts): ScsiDecodeError, the error every
 * SCSI decoder throws, readers that throw it, and the small field helpers the decoders share.
 */
import { ByteReader, DecodeError, type DecodeReason } from '../codec/bytes.ts';

export type ScsiDecodeReason = DecodeReason;

/**
 * Data from the target that cannot be decoded: a field past the end of what was received, a
 * value the spec does not allow where the layout depends on it, or a length over a cap. The
 * codec's DecodeError under the name SCSI callers catch.
 */
export class ScsiDecodeError extends DecodeError {
  override readonly code = 'ESCSIDECODE';
  override name = 'ScsiDecodeError';
}

function scsiTruncated(structure: string, field: string, offset: number, needed: number, available: number) {
  return new ScsiDecodeError('truncated', structure, field, offset, needed, available);
}

/** A codec reader over target data whose reads past the end throw ScsiDecodeError. */
export function scsiReader(bytes: Uint8Array, structure: string): ByteReader {
  return new ByteReader(bytes, structure, 0, scsiTruncated);
}

/**
 * Checks a length taken from target data against a cap before anything is sized from it.
 * Returns the length, or throws ScsiDecodeError('over-cap').
 */
export function capLength(length: number, cap: number, structure: string, field: string, offset = 0): number {
  if (!Number.isSafeInteger(length) || length < 0 || length > cap)
    throw new ScsiDecodeError('over-cap', structure, field, offset, length, cap);
  return length;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes as characters one for one (ASCII fields; bytes above 0x7F kept as Latin-1). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Left-aligned, space-padded ASCII fields (SPC-4 4.3.1): trailing spaces and NULs dropped. */
export function trimmedAscii(bytes: Uint8Array): string {
  return latin1(bytes).replace(/[\s\0]+$/u, '');
}

/** A null-terminated, null-padded field (SPC-4 4.3.2): everything from the first NUL dropped. */
export function untilNul(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** bigint to number when it fits exactly, else undefined. */
export function safeNumber(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

export function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what} ${value} out of range 0..${max}`);
}

export function checkKey(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
    throw new RangeError(`${what} must be a bigint in 0..2^64-1`);
}
