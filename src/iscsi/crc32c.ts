/**
 * CRC32C (Castagnoli), the iSCSI header and data digest (RFC 7143 section 13.1, RFC 3385):
 * reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. On the wire the
 * digest is sent least-significant byte first (RFC 7143 Appendix B.4 test vectors).
 */

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i += 1) {
    let c = i;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

const TABLE = makeTable();

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i += 1) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The 4 digest bytes as they appear on the wire. */
export function digestBytes(crc: number): Uint8Array {
  return Uint8Array.of(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, (crc >>> 24) & 0xff);
}

export function readDigest(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}
