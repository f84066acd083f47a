/**
 * The one byte codec: a bounds-checked reader and a range-checked writer, big-endian (the
 * network order: SCSI, iSCSI, DNS) and little-endian (Windows security data), and the one typed
 * error a decoder throws. A leaf module: it imports nothing from the project, so every area (scsi,
 * iscsi, ad, dns) can use it without an import cycle.
 *
 * A read past the end throws DecodeError naming the structure, the field, the absolute offset
 * and the bytes needed versus present: never a silent zero or NaN. An area that exposes its own
 * error class to callers (ScsiDecodeError, SdDecodeError) subclasses DecodeError and hands the
 * reader a factory, so bounds checking is written once.
 */

/** Why data could not be decoded. */
export type DecodeReason =
  /** A field lies past the end of what was received. */
  | 'truncated'
  /** A value the spec does not allow where the layout depends on it. */
  | 'invalid'
  /** A length read from the data exceeds a cap. */
  | 'over-cap';

/**
 * Data that cannot be decoded. A RangeError: the data does not reach, or holds a value outside
 * the range the layout allows. Offsets count from the start of the outermost data.
 */
export class DecodeError extends RangeError {
  readonly code: string = 'EDECODE';
  override name = 'DecodeError';
  readonly reason: DecodeReason;
  /** What was being decoded, e.g. 'standard INQUIRY data', 'DNS message'. */
  readonly structure: string;
  /** The field as its spec names it, e.g. 'ADDITIONAL LENGTH'. */
  readonly field: string;
  /** Absolute byte offset of the field. */
  readonly offset: number;
  /** Bytes (or, for 'over-cap', the length value) the field needed. */
  readonly needed: number;
  /** Bytes present from the offset (or, for 'over-cap', the cap). */
  readonly available: number;
  constructor(
    reason: DecodeReason,
    structure: string,
    field: string,
    offset: number,
    needed: number,
    available: number,
    detail = '',
  ) {
    const what =
      reason === 'truncated'
        ? `needs bytes ${offset}..${offset + needed - 1} but only ${available} byte(s) are present`
        : reason === 'over-cap'
          ? `length ${needed} exceeds the cap of ${available}`
          : `invalid value at byte ${offset}`;
    super(`${structure}: ${field} ${what}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
    this.structure = structure;
    this.field = field;
    this.offset = offset;
    this.needed = needed;
    this.available = available;
  }
}

/**
 * Makes the error a reader throws for a read past its end. An area passes its own (a module-level
 * function, never a closure per call) to throw its DecodeError subclass.
 */
export type TruncatedErrorFactory = (
  structure: string,
  field: string,
  offset: number,
  needed: number,
  available: number,
) => DecodeError;

function truncated(structure: string, field: string, offset: number, needed: number, available: number): DecodeError {
  return new DecodeError('truncated', structure, field, offset, needed, available);
}

/**
 * Throws the reader's error for bytes offset..offset+length-1 not all present. A module-level
 * function given the reader's fields: passing the reader itself (or calling a private method)
 * on this cold path measured slower in the read methods (eight u32 reads through a fresh reader:
 * 49 ns that way, 36 ns this way, 18 ns for bare indexing, Node 24 on the lab machine).
 */
function pastEnd(
  make: TruncatedErrorFactory,
  structure: string,
  base: number,
  size: number,
  offset: number,
  length: number,
  field: string,
): never {
  throw make(structure, field, base + offset, length, Math.max(0, size - Math.max(0, offset)));
}

/**
 * Bounds-checked reads over a view of received bytes. Offsets are relative to the view; errors
 * report them relative to the outermost data (`base`). Sub-readers share the bytes (no copy).
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  /** What is being decoded, for error messages: 'standard INQUIRY data', 'ACE #3'... */
  readonly structure: string;
  /** Where this view starts inside the outermost data. */
  readonly base: number;
  /** Builds the error for a read past the end. */
  readonly truncated: TruncatedErrorFactory;

  constructor(bytes: Uint8Array, structure: string, base = 0, onTruncated: TruncatedErrorFactory = truncated) {
    this.bytes = bytes;
    this.structure = structure;
    this.base = base;
    this.truncated = onTruncated;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Whether bytes offset..offset+length-1 are all present (an integer offset inside the view). */
  has(offset: number, length = 1): boolean {
    // `offset >>> 0 === offset`: a non-negative integer below 2^32 in one comparison (hot path).
    return offset >>> 0 === offset && length >= 0 && offset + length <= this.bytes.length;
  }

  /** Throws the reader's truncated error unless bytes offset..offset+length-1 are present. */
  need(offset: number, length: number, field: string): void {
    if (!this.has(offset, length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, length, field);
  }

  u8(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset < b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 1, field);
    return b[offset]!;
  }

  u16(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 2 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 2, field);
    return (b[offset]! << 8) | b[offset + 1]!;
  }

  u24(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 3 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 3, field);
    return (b[offset]! << 16) | (b[offset + 1]! << 8) | b[offset + 2]!;
  }

  u32(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 4 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 4, field);
    return ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
  }

  u64(offset: number, field: string): bigint {
    if (!this.has(offset, 8)) pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 8, field);
    return (BigInt(this.u32(offset, field)) << 32n) | BigInt(this.u32(offset + 4, field));
  }

  /** An unsigned big-endian integer of 1..6 bytes (48-bit fields such as a SID's authority). */
  uintBE(offset: number, length: number, field: string): number {
    if (!this.has(offset, length) || length < 1 || length > 6)
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, length, field);
    const b = this.bytes;
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + b[offset + i]!;
    return value;
  }

  u16le(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 2 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 2, field);
    return b[offset]! | (b[offset + 1]! << 8);
  }

  u24le(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 3 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 3, field);
    return b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16);
  }

  u32le(offset: number, field: string): number {
    const b = this.bytes;
    if (!(offset >>> 0 === offset && offset + 4 <= b.length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 4, field);
    return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
  }

  u64le(offset: number, field: string): bigint {
    if (!this.has(offset, 8)) pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, 8, field);
    return BigInt(this.u32le(offset, field)) | (BigInt(this.u32le(offset + 4, field)) << 32n);
  }

  /** A view (no copy) of length bytes at offset. */
  slice(offset: number, length: number, field: string): Uint8Array {
    if (!this.has(offset, length))
      pastEnd(this.truncated, this.structure, this.base, this.bytes.length, offset, length, field);
    return this.bytes.subarray(offset, offset + length);
  }

  /** A reader over a sub-range, reporting offsets relative to the outermost data. */
  sub(offset: number, length: number, field: string, structure = this.structure): ByteReader {
    return new ByteReader(this.slice(offset, length, field), structure, this.base + offset, this.truncated);
  }

  /** The view from offset to its end (offset must be inside it or at its end). */
  rest(offset: number, field: string, structure = this.structure): ByteReader {
    this.need(offset, 0, field);
    return this.sub(offset, this.bytes.length - offset, field, structure);
  }

  /** The first `length` bytes present (fewer when fewer were received). */
  limit(length: number): ByteReader {
    return length >= this.bytes.length
      ? this
      : new ByteReader(this.bytes.subarray(0, Math.max(0, length)), this.structure, this.base, this.truncated);
  }
}

function outOfRange(what: string, value: number | bigint, max: number | bigint): RangeError {
  return new RangeError(`${what} ${String(value)} out of range 0..${String(max)}`);
}

/**
 * Range-checked writes at fixed offsets into a buffer being built (a BHS, a CDB, a DNS query).
 * A value that does not fit its field, or a field past the end of the buffer, is a RangeError
 * (a caller's bug, never data from the wire): nothing is silently truncated.
 */
export class ByteWriter {
  readonly bytes: Uint8Array;

  /** Over `bytes`, or a new zeroed buffer of that many bytes. */
  constructor(bytes: Uint8Array | number) {
    this.bytes = typeof bytes === 'number' ? new Uint8Array(bytes) : bytes;
  }

  get length(): number {
    return this.bytes.length;
  }

  #room(offset: number, length: number): void {
    if (!(offset >= 0 && offset + length <= this.bytes.length && Number.isInteger(offset)))
      throw new RangeError(`write of ${length} byte(s) at ${offset} past the end of ${this.bytes.length} byte(s)`);
  }

  u8(offset: number, value: number): this {
    if ((value & 0xff) !== value) throw outOfRange('u8', value, 0xff);
    this.#room(offset, 1);
    this.bytes[offset] = value;
    return this;
  }

  u16(offset: number, value: number): this {
    if ((value & 0xffff) !== value) throw outOfRange('u16', value, 0xffff);
    this.#room(offset, 2);
    const b = this.bytes;
    b[offset] = value >>> 8;
    b[offset + 1] = value;
    return this;
  }

  u24(offset: number, value: number): this {
    if ((value & 0xffffff) !== value) throw outOfRange('u24', value, 0xffffff);
    this.#room(offset, 3);
    const b = this.bytes;
    b[offset] = value >>> 16;
    b[offset + 1] = value >>> 8;
    b[offset + 2] = value;
    return this;
  }

  u32(offset: number, value: number): this {
    if (value >>> 0 !== value) throw outOfRange('u32', value, 0xffff_ffff);
    this.#room(offset, 4);
    const b = this.bytes;
    b[offset] = value >>> 24;
    b[offset + 1] = value >>> 16;
    b[offset + 2] = value >>> 8;
    b[offset + 3] = value;
    return this;
  }

  u64(offset: number, value: bigint): this {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
      throw outOfRange('u64', value, 0xffff_ffff_ffff_ffffn);
    this.#room(offset, 8);
    this.u32(offset, Number(value >> 32n));
    return this.u32(offset + 4, Number(value & 0xffff_ffffn));
  }

  /** An unsigned big-endian integer of 1..6 bytes (48-bit fields such as a SID's authority). */
  uintBE(offset: number, length: number, value: number): this {
    const max = 2 ** (8 * length) - 1;
    if (!(length >= 1 && length <= 6) || !Number.isInteger(value) || value < 0 || value > max)
      throw outOfRange(`uint${8 * length}`, value, max);
    this.#room(offset, length);
    for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) this.bytes[offset + i] = v % 256;
    return this;
  }

  u16le(offset: number, value: number): this {
    if ((value & 0xffff) !== value) throw outOfRange('u16', value, 0xffff);
    this.#room(offset, 2);
    const b = this.bytes;
    b[offset] = value;
    b[offset + 1] = value >>> 8;
    return this;
  }

  u24le(offset: number, value: number): this {
    if ((value & 0xffffff) !== value) throw outOfRange('u24', value, 0xffffff);
    this.#room(offset, 3);
    const b = this.bytes;
    b[offset] = value;
    b[offset + 1] = value >>> 8;
    b[offset + 2] = value >>> 16;
    return this;
  }

  u32le(offset: number, value: number): this {
    if (value >>> 0 !== value) throw outOfRange('u32', value, 0xffff_ffff);
    this.#room(offset, 4);
    const b = this.bytes;
    b[offset] = value;
    b[offset + 1] = value >>> 8;
    b[offset + 2] = value >>> 16;
    b[offset + 3] = value >>> 24;
    return this;
  }

  u64le(offset: number, value: bigint): this {
    if (typeof value !== 'bigint' || value < 0n || value > 0xffff_ffff_ffff_ffffn)
      throw outOfRange('u64', value, 0xffff_ffff_ffff_ffffn);
    this.#room(offset, 8);
    this.u32le(offset, Number(value & 0xffff_ffffn));
    return this.u32le(offset + 4, Number(value >> 32n));
  }

  /** Copies `source` in at offset. */
  set(offset: number, source: Uint8Array): this {
    this.#room(offset, source.length);
    this.bytes.set(source, offset);
    return this;
  }
}
