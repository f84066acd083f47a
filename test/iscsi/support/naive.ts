/**
 * A deliberately naive, independent PDU encoder for expected bytes: header fields written from
 * RFC 7143's tables as plain arrays of numbers, with none of src/iscsi's helpers.
 */
export function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function naivePdu(header: (number | undefined)[], data: number[] = []): Uint8Array {
  const bhs = Array.from({ length: 48 }, (_, i) => header[i] ?? 0);
  bhs[5] = (data.length >> 16) & 0xff;
  bhs[6] = (data.length >> 8) & 0xff;
  bhs[7] = data.length & 0xff;
  const pad = (4 - (data.length % 4)) % 4;
  return Uint8Array.from([...bhs, ...data, ...Array(pad).fill(0)]);
}

/** Places byte arrays at offsets into a sparse header description. */
export function fields(entries: [offset: number, bytes: number[]][]): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const [offset, bytes] of entries) bytes.forEach((b, i) => (out[offset + i] = b));
  return out;
}

export function ascii(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}
