/**
 * Reassembles PDUs from TCP chunks split at any byte. Lengths read from the wire are capped
 * (a 3-byte DataSegmentLength allows 16 MiB; the framer refuses anything over the negotiated
 * limit), and digests are verified when negotiated.
 */
import {
  BHS_LENGTH,
  dataSegmentLengthOf,
  padded,
  totalAhsLengthOf,
  type DigestOptions,
  type Pdu,
  NO_DIGESTS,
} from './pdu.ts';
import { crc32c, readDigest } from './crc32c.ts';
import { IscsiProtocolError } from './errors.ts';

/** Before negotiation the target may send up to 8192 bytes per PDU; we allow some slack. */
export const DEFAULT_MAX_DATA_SEGMENT = 1 << 24;

export class PduFramer {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #digests: DigestOptions = NO_DIGESTS;
  #maxDataSegment: number;

  constructor(maxDataSegment = DEFAULT_MAX_DATA_SEGMENT) {
    this.#maxDataSegment = maxDataSegment;
  }

  /** Digests apply from the first PDU after the login phase completes. */
  setDigests(digests: DigestOptions): void {
    this.#digests = digests;
  }

  setMaxDataSegment(bytes: number): void {
    this.#maxDataSegment = bytes;
  }

  get buffered(): number {
    return this.#buffered;
  }

  /** Adds a chunk and returns every PDU now complete, in order. */
  push(chunk: Uint8Array): Pdu[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const out: Pdu[] = [];
    for (;;) {
      const pdu = this.#next();
      if (!pdu) return out;
      out.push(pdu);
    }
  }

  #next(): Pdu | undefined {
    if (this.#buffered < BHS_LENGTH) return undefined;
    const head = this.#peek(BHS_LENGTH);
    const ahsLength = totalAhsLengthOf(head);
    const dataLength = dataSegmentLengthOf(head);
    if (dataLength > this.#maxDataSegment) {
      throw new IscsiProtocolError(
        `PDU DataSegmentLength ${dataLength} exceeds the limit of ${this.#maxDataSegment} bytes (opcode 0x${(head[0]! & 0x3f).toString(16)})`,
      );
    }
    const headerDigest = this.#digests.headerDigest ? 4 : 0;
    const dataDigest = this.#digests.dataDigest && dataLength > 0 ? 4 : 0;
    const total = BHS_LENGTH + ahsLength + headerDigest + padded(dataLength) + dataDigest;
    if (this.#buffered < total) return undefined;
    const bytes = this.#take(total);
    const headerEnd = BHS_LENGTH + ahsLength;
    if (headerDigest && crc32c(bytes, 0, headerEnd) !== readDigest(bytes, headerEnd)) {
      throw new IscsiProtocolError('header digest (CRC32C) mismatch: the PDU header was corrupted on the way');
    }
    const dataStart = headerEnd + headerDigest;
    if (
      dataDigest &&
      crc32c(bytes, dataStart, dataStart + padded(dataLength)) !== readDigest(bytes, dataStart + padded(dataLength))
    ) {
      throw new IscsiProtocolError('data digest (CRC32C) mismatch: the PDU data was corrupted on the way');
    }
    return {
      bhs: bytes.subarray(0, BHS_LENGTH),
      ahs: bytes.subarray(BHS_LENGTH, headerEnd),
      data: bytes.subarray(dataStart, dataStart + dataLength),
    };
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.#coalesce();
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Uint8Array {
    if (this.#chunks[0]!.length < n) this.#coalesce();
    const all = this.#chunks[0]!;
    // No copy: socket chunks are never reused by Node, so a PDU may view its chunk directly.
    const out = all.subarray(0, n);
    if (all.length === n) this.#chunks.shift();
    else this.#chunks[0] = all.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #coalesce(): void {
    const joined = new Uint8Array(this.#buffered);
    let offset = 0;
    for (const c of this.#chunks) {
      joined.set(c, offset);
      offset += c.length;
    }
    this.#chunks = [joined];
  }
}
