/**
 * Bounds-checked big-endian reads over data received from a target. A read past the end throws
 * ScsiDecodeError naming the structure, the field, the offset and the bytes needed versus present:
 * never a silent zero. Offsets are relative to the reader's own view.
 */
import { ScsiDecodeError } from './errors.ts';

export class ByteReader {
  readonly bytes: Uint8Array;
  /** What is being decoded, for error messages: 'standard INQUIRY data', 'VPD page 0x83'... */
  readonly structure: string;
  /** Where this view starts inside the outermost data, so errors point at real offsets. */
  readonly base: number;

  constructor(bytes: Uint8Array, structure: string, base = 0) {
    this.bytes = bytes;
    this.structure = structure;
    this.base = base;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Whether bytes offset..offset+length-1 are all present. */
  has(offset: number, length = 1): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.length;
  }

  #need(offset: number, length: number, field: string): void {
    if (!this.has(offset, length)) {
      throw new ScsiDecodeError(
        'truncated',
        this.structure,
        field,
        this.base + offset,
        length,
        Math.max(0, this.bytes.length - offset),
      );
    }
  }

  u8(offset: number, field: string): number {
    this.#need(offset, 1, field);
    return this.bytes[offset]!;
  }

  u16(offset: number, field: string): number {
    this.#need(offset, 2, field);
    return (this.bytes[offset]! << 8) | this.bytes[offset + 1]!;
  }

  u24(offset: number, field: string): number {
    this.#need(offset, 3, field);
    return (this.bytes[offset]! << 16) | (this.bytes[offset + 1]! << 8) | this.bytes[offset + 2]!;
  }

  u32(offset: number, field: string): number {
    this.#need(offset, 4, field);
    return (
      ((this.bytes[offset]! << 24) >>> 0) +
      ((this.bytes[offset + 1]! << 16) | (this.bytes[offset + 2]! << 8) | this.bytes[offset + 3]!)
    );
  }

  u64(offset: number, field: string): bigint {
    this.#need(offset, 8, field);
    return (BigInt(this.u32(offset, field)) << 32n) | BigInt(this.u32(offset + 4, field));
  }

  /** A view (no copy) of length bytes at offset. */
  slice(offset: number, length: number, field: string): Uint8Array {
    this.#need(offset, length, field);
    return this.bytes.subarray(offset, offset + length);
  }

  /** A reader over a sub-range, reporting offsets relative to the outermost data. */
  sub(offset: number, length: number, field: string, structure = this.structure): ByteReader {
    return new ByteReader(this.slice(offset, length, field), structure, this.base + offset);
  }

  /** The first `length` bytes present (fewer when fewer were received). */
  limit(length: number): ByteReader {
    return length >= this.bytes.length
      ? this
      : new ByteReader(this.bytes.subarray(0, Math.max(0, length)), this.structure, this.base);
  }
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

export function be16(value: number): [number, number] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

export function be32(value: number): [number, number, number, number] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

export function writeU64(out: Uint8Array, offset: number, value: bigint): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(offset, value);
}

export function writeU32(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(offset, value);
}

export function writeU16(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint16(offset, value);
}

export function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what} ${value} out of range 0..${max}`);
}

export function checkKey(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
    throw new RangeError(`${what} must be a bigint in 0..2^64-1`);
}
