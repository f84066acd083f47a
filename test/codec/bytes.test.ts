/**
 * The byte codec (src/codec/bytes.ts): reads in both byte orders against a naive decoder, reads
 * past the end always a DecodeError with the absolute offset and the bytes needed and present,
 * writer -> reader round trips, and the writer refusing values that do not fit. Property tests
 * with fast-check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteReader, ByteWriter, DecodeError } from '../../src/codec/bytes.ts';

const RUNS = 2000;

type Width = 1 | 2 | 3 | 4 | 8;
const NUMBER_READS = ['u8', 'u16', 'u24', 'u32', 'u16le', 'u24le', 'u32le'] as const;
const WIDTH: Record<string, Width> = { u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, u16le: 2, u24le: 3, u32le: 4, u64le: 8 };

/** Naive: the bytes as one unsigned integer, most significant first (big-endian) or last. */
function naive(bytes: Uint8Array, offset: number, width: number, littleEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + (littleEndian ? width - 1 - i : i)]!);
  return v;
}

test('reads agree with a naive decoder in both byte orders, top bits unsigned', () => {
  const data = Uint8Array.of(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xfe);
  const r = new ByteReader(data, 'test data');
  assert.equal(r.u16(0, 'A'), 0x0102);
  assert.equal(r.u16le(0, 'A'), 0x0201);
  assert.equal(r.u24(1, 'A'), 0x020304);
  assert.equal(r.u24le(1, 'A'), 0x040302);
  assert.equal(r.u32(6, 'A'), 0x0708fffe);
  assert.equal(r.u32le(6, 'A'), 0xfeff0807);
  assert.equal(r.u64(2, 'A'), 0x030405060708fffen);
  assert.equal(r.u64le(2, 'A'), 0xfeff080706050403n);
  assert.equal(r.uintBE(4, 6, 'A'), 0x05060708fffe);
  const s = r.slice(2, 3, 'A');
  assert.deepEqual([...s], [3, 4, 5]);
  assert.equal(s.buffer, data.buffer, 'a slice is a view, not a copy');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 32 }), fc.nat(), (bytes, at) => {
      const offset = at % (bytes.length - 7);
      const reader = new ByteReader(bytes, 'x');
      for (const m of NUMBER_READS)
        assert.equal(BigInt(reader[m](offset, 'F')), naive(bytes, offset, WIDTH[m]!, m.endsWith('le')), m);
      assert.equal(reader.u64(offset, 'F'), naive(bytes, offset, 8, false));
      assert.equal(reader.u64le(offset, 'F'), naive(bytes, offset, 8, true));
    }),
    { numRuns: RUNS },
  );
});

test('property: a read past the end always throws DecodeError with the absolute offset, needed and present', () => {
  const reads = [...NUMBER_READS, 'u64', 'u64le', 'slice'] as const;
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 24 }),
      fc.nat({ max: 1000 }),
      fc.constantFrom(...reads),
      fc.integer({ min: -4, max: 40 }),
      fc.nat({ max: 16 }),
      (bytes, base, method, offset, sliceLength) => {
        const r = new ByteReader(bytes, 'outer data', base);
        const width = method === 'slice' ? sliceLength : WIDTH[method]!;
        const read = () => (method === 'slice' ? r.slice(offset, width, 'FIELD') : r[method](offset, 'FIELD'));
        const inside = offset >= 0 && offset + width <= bytes.length;
        assert.equal(r.has(offset, width), inside);
        if (inside) {
          read();
          return;
        }
        assert.throws(read, (e: unknown) => {
          assert.ok(e instanceof DecodeError, String(e));
          assert.ok(e instanceof RangeError);
          assert.equal(e.code, 'EDECODE');
          assert.equal(e.reason, 'truncated');
          assert.equal(e.structure, 'outer data');
          assert.equal(e.field, 'FIELD');
          assert.equal(e.offset, base + offset);
          assert.equal(e.needed, width);
          assert.equal(e.available, Math.max(0, bytes.length - Math.max(0, offset)));
          assert.ok(e.message.startsWith('outer data: FIELD needs bytes '), e.message);
          return true;
        });
      },
    ),
    { numRuns: RUNS },
  );
});

test('a fractional offset is a DecodeError, never a silent zero', () => {
  const r = new ByteReader(new Uint8Array(8), 'x');
  assert.throws(() => r.u8(1.5, 'F'), DecodeError);
  assert.throws(() => r.u32(0.5, 'F'), DecodeError);
  assert.throws(() => r.u16le(Number.NaN, 'F'), DecodeError);
  assert.equal(r.has(1.5, 1), false);
});

test('property: sub-readers and rest() keep absolute offsets; limit() narrows', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.nat({ max: 8 }),
      (bytes, a, b, read) => {
        const start = a % bytes.length;
        const length = b % (bytes.length - start + 1);
        const outer = new ByteReader(bytes, 'outer', 100);
        const inner = outer.sub(start, length, 'PART', 'inner');
        assert.equal(inner.base, 100 + start);
        assert.equal(inner.structure, 'inner');
        assert.equal(outer.rest(start, 'REST').base, 100 + start);
        assert.equal(outer.rest(start, 'REST').length, bytes.length - start);
        if (read < length) assert.equal(inner.u8(read, 'X'), bytes[start + read]);
        else
          assert.throws(
            () => inner.u8(read, 'X'),
            (e: unknown) => e instanceof DecodeError && e.offset === 100 + start + read && e.structure === 'inner',
          );
        assert.equal(outer.limit(length).length, length);
      },
    ),
    { numRuns: RUNS },
  );
  const r = new ByteReader(new Uint8Array(4), 'x');
  assert.equal(r.limit(100), r);
  assert.throws(
    () => r.sub(2, 3, 'PART'),
    (e: unknown) => e instanceof DecodeError && e.field === 'PART',
  );
  assert.throws(() => r.rest(5, 'REST'), DecodeError);
});

test('an area factory makes the reader throw its DecodeError subclass, sub-readers too', () => {
  class AreaError extends DecodeError {
    override readonly code = 'EAREA';
  }
  const make = (structure: string, field: string, offset: number, needed: number, available: number) =>
    new AreaError('truncated', structure, field, offset, needed, available);
  const r = new ByteReader(new Uint8Array(6), 'area data', 0, make);
  assert.throws(
    () => r.u32(4, 'F'),
    (e: unknown) => e instanceof AreaError && e.code === 'EAREA' && e.offset === 4,
  );
  assert.throws(
    () => r.sub(2, 4, 'S').u8(4, 'G'),
    (e: unknown) => e instanceof AreaError && e.offset === 6,
  );
  assert.throws(() => r.limit(2).u8(2, 'G'), AreaError);
});

const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const WRITES = [
  ['u8', 'u8', u(8)],
  ['u16', 'u16', u(16)],
  ['u24', 'u24', u(24)],
  ['u32', 'u32', u(32)],
  ['u16le', 'u16le', u(16)],
  ['u24le', 'u24le', u(24)],
  ['u32le', 'u32le', u(32)],
] as const;

test('property: writer -> reader round trips, big- and little-endian, at any offset', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          ...WRITES.map(([w, rd, arb]) => fc.record({ w: fc.constant(w), r: fc.constant(rd), v: arb })),
          fc.record({
            w: fc.constant('u64' as const),
            r: fc.constant('u64' as const),
            v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          }),
          fc.record({
            w: fc.constant('u64le' as const),
            r: fc.constant('u64le' as const),
            v: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          }),
          fc.record({ w: fc.constant('uint48' as const), r: fc.constant('uint48' as const), v: u(48) }),
        ),
        { maxLength: 12 },
      ),
      fc.nat({ max: 3 }),
      (fields, pad) => {
        const widthOf = (w: string) => (w === 'uint48' ? 6 : WIDTH[w]!);
        const size = fields.reduce((n, f) => n + widthOf(f.w) + pad, 0);
        const w = new ByteWriter(size);
        let at = 0;
        for (const f of fields) {
          if (f.w === 'uint48') w.uintBE(at, 6, f.v);
          else if (f.w === 'u64' || f.w === 'u64le') w[f.w](at, f.v);
          else w[f.w](at, f.v as number);
          at += widthOf(f.w) + pad;
        }
        const r = new ByteReader(w.bytes, 'round trip');
        at = 0;
        for (const f of fields) {
          const got = f.r === 'uint48' ? r.uintBE(at, 6, 'F') : r[f.r](at, 'F');
          assert.equal(got, f.v, `${f.w} at ${at}`);
          at += widthOf(f.w) + pad;
        }
        assert.equal(at, size);
      },
    ),
    { numRuns: RUNS },
  );
});

test('the writer refuses values that do not fit and writes past the end: RangeError, nothing truncated', () => {
  const w = new ByteWriter(8);
  assert.throws(() => w.u8(0, 256), /u8 256 out of range 0\.\.255/);
  assert.throws(() => w.u8(0, -1), RangeError);
  assert.throws(() => w.u16(0, 0x1_0000), RangeError);
  assert.throws(() => w.u16le(0, 1.5), RangeError);
  assert.throws(() => w.u24(0, 2 ** 24), RangeError);
  assert.throws(() => w.u32(0, 2 ** 32), RangeError);
  assert.throws(() => w.u32le(0, Number.NaN), RangeError);
  assert.throws(() => w.u64(0, 2n ** 64n), RangeError);
  assert.throws(() => w.u64le(0, -1n), RangeError);
  assert.throws(() => w.uintBE(0, 6, 2 ** 48), RangeError);
  assert.throws(() => w.u32(5, 1), /write of 4 byte\(s\) at 5 past the end of 8 byte\(s\)/);
  assert.throws(() => w.set(7, Uint8Array.of(1, 2)), RangeError);
  assert.deepEqual([...w.bytes], [0, 0, 0, 0, 0, 0, 0, 0], 'a refused write leaves the buffer as it was');
  const out = new Uint8Array(4);
  assert.equal(new ByteWriter(out).u16(1, 0xabcd).bytes, out, 'writes into the buffer it was given');
  assert.deepEqual([...out], [0, 0xab, 0xcd, 0]);
});
