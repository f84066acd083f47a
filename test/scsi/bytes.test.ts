import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capLength, scsiReader, ScsiDecodeError } from '../../src/scsi/index.ts';

const data = Uint8Array.of(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xfe);

test('scsiReader reads big-endian u8/u16/u24/u32/u64 and slices without copying', () => {
  const r = scsiReader(data, 'test data');
  assert.equal(r.u8(0, 'A'), 1);
  assert.equal(r.u16(0, 'A'), 0x0102);
  assert.equal(r.u24(1, 'A'), 0x020304);
  assert.equal(r.u32(0, 'A'), 0x01020304);
  assert.equal(r.u32(6, 'A'), 0x0708fffe, 'u32 stays unsigned with the top bit set');
  assert.equal(r.u64(0, 'A'), 0x0102030405060708n);
  assert.equal(r.u64(2, 'A'), 0x030405060708fffen);
  const s = r.slice(2, 3, 'A');
  assert.deepEqual([...s], [3, 4, 5]);
  assert.equal(s.buffer, data.buffer);
  assert.equal(r.has(8, 2), true);
  assert.equal(r.has(8, 3), false);
  assert.equal(r.has(-1, 1), false);
});

test('a read past the end throws ScsiDecodeError naming structure, field, offset, needed and available', () => {
  const r = scsiReader(data, 'test data');
  assert.throws(
    () => r.u32(8, 'SOME FIELD'),
    (e: unknown) =>
      e instanceof ScsiDecodeError &&
      e.code === 'ESCSIDECODE' &&
      e.reason === 'truncated' &&
      e.structure === 'test data' &&
      e.field === 'SOME FIELD' &&
      e.offset === 8 &&
      e.needed === 4 &&
      e.available === 2 &&
      e.message === 'test data: SOME FIELD needs bytes 8..11 but only 2 byte(s) are present',
  );
  assert.throws(() => r.u8(10, 'X'), ScsiDecodeError);
  assert.throws(() => r.u64(3, 'X'), ScsiDecodeError);
  assert.throws(() => r.slice(5, 6, 'X'), ScsiDecodeError);
  assert.throws(
    () => scsiReader(new Uint8Array(0), 'empty').u8(0, 'X'),
    (e: unknown) => e instanceof ScsiDecodeError && e.available === 0,
  );
});

test('sub-readers report offsets in the outer data; limit() narrows to a length', () => {
  const r = scsiReader(data, 'outer');
  const sub = r.sub(4, 4, 'part', 'inner');
  assert.equal(sub.u8(0, 'X'), 5);
  assert.throws(
    () => sub.u16(3, 'Y'),
    (e: unknown) => e instanceof ScsiDecodeError && e.offset === 7 && e.structure === 'inner',
  );
  assert.equal(r.limit(3).length, 3);
  assert.equal(r.limit(100), r);
  assert.throws(() => r.limit(3).u8(3, 'Z'), ScsiDecodeError);
});

test('capLength passes lengths within the cap and refuses the rest', () => {
  assert.equal(capLength(4096, 1 << 20, 'REPORT LUNS parameter data', 'LUN LIST LENGTH'), 4096);
  assert.throws(
    () => capLength(0xfffffff8, 1 << 20, 'REPORT LUNS parameter data', 'LUN LIST LENGTH', 0),
    (e: unknown) =>
      e instanceof ScsiDecodeError && e.reason === 'over-cap' && e.needed === 0xfffffff8 && e.available === 1 << 20,
  );
  assert.throws(() => capLength(-1, 10, 's', 'f'), ScsiDecodeError);
  assert.throws(() => capLength(Number.NaN, 10, 's', 'f'), ScsiDecodeError);
});
