import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeLunEntry,
  decodeReadCapacity10,
  decodeReadCapacity16,
  decodeReportLuns,
  ScsiDecodeError,
} from '../../src/scsi/index.ts';
import { READ_CAPACITY_10, READ_CAPACITY_16, REPORT_LUNS } from './support/fixtures.ts';
import { be32 } from './support/naive.ts';

test('REPORT LUNS: peripheral and flat space addressing to LUN numbers (SPC-4 6.33, SAM-5 4.7)', () => {
  const r = decodeReportLuns(REPORT_LUNS);
  assert.equal(r.lunListLength, 24);
  assert.equal(r.needed, 32);
  assert.equal(r.complete, true);
  assert.deepEqual(
    r.luns.map((l) => [l.lun, l.addressMethod, l.singleLevel]),
    [
      [0, 'peripheral', true],
      [1, 'peripheral', true],
      [300, 'flat', true],
    ],
  );
  assert.equal(r.luns[2]!.hex, '412c000000000000');
});

test('REPORT LUNS longer than the allocation: the entries received, complete false, needed for the re-issue', () => {
  const r = decodeReportLuns(REPORT_LUNS.subarray(0, 20));
  assert.equal(r.luns.length, 1, 'a partial 8-byte entry is not decoded');
  assert.equal(r.complete, false);
  assert.equal(r.needed, 32);
  const headerOnly = decodeReportLuns(REPORT_LUNS.subarray(0, 8));
  assert.deepEqual(headerOnly.luns, []);
  assert.equal(headerOnly.complete, false);
  // a list length of 4 GiB must not allocate anything: it is just a number to re-issue with
  const huge = decodeReportLuns(Uint8Array.from([0xff, 0xff, 0xff, 0xf8, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]));
  assert.equal(huge.luns.length, 1);
  assert.equal(huge.needed, 0xffffffff + 1);
  assert.throws(
    () => decodeReportLuns(Uint8Array.of(0, 0, 0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.field === 'LUN LIST LENGTH',
  );
});

test('LUN entries: bus identifier, multi-level, logical unit and extended addressing keep their bytes', () => {
  assert.equal(
    decodeLunEntry(Uint8Array.of(0x01, 0x02, 0, 0, 0, 0, 0, 0)).lun,
    undefined,
    'peripheral with bus 1 is not a plain LUN',
  );
  assert.equal(decodeLunEntry(Uint8Array.of(0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0)).singleLevel, false);
  assert.equal(decodeLunEntry(Uint8Array.of(0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0)).lun, undefined);
  assert.equal(decodeLunEntry(Uint8Array.of(0x7f, 0xff, 0, 0, 0, 0, 0, 0)).lun, 16383);
  assert.deepEqual(decodeLunEntry(Uint8Array.of(0x81, 0, 0, 0, 0, 0, 0, 0)).addressMethod, 'logical-unit');
  const wlun = decodeLunEntry(Uint8Array.of(0xc1, 0x01, 0, 0, 0, 0, 0, 0)); // REPORT LUNS well known LU
  assert.deepEqual([wlun.addressMethod, wlun.lun, wlun.hex], ['extended', undefined, 'c101000000000000']);
});

test('READ CAPACITY(10): last LBA and block length to size (SBC-3 5.15.2)', () => {
  const c = decodeReadCapacity10(READ_CAPACITY_10);
  assert.equal(c.returnedLogicalBlockAddress, 0x3fffffn);
  assert.equal(c.logicalBlockLength, 512);
  assert.equal(c.sizeBytes, 2n * 1024n * 1024n * 1024n);
  assert.equal(c.sizeBytesNumber, 2 * 1024 * 1024 * 1024);
  assert.equal(c.needsReadCapacity16, false);
  assert.equal(decodeReadCapacity10(Uint8Array.from([...be32(0xffffffff), ...be32(512)])).needsReadCapacity16, true);
  assert.throws(
    () => decodeReadCapacity10(READ_CAPACITY_10.subarray(0, 7)),
    (e: unknown) =>
      e instanceof ScsiDecodeError &&
      e.field === 'LOGICAL BLOCK LENGTH IN BYTES' &&
      e.offset === 4 &&
      e.needed === 4 &&
      e.available === 3,
  );
});

test('READ CAPACITY(16): 64-bit LBA, protection and provisioning fields (SBC-3 5.16.2)', () => {
  const c = decodeReadCapacity16(READ_CAPACITY_16);
  assert.equal(c.returnedLogicalBlockAddress, 0xffffffffn);
  assert.equal(c.logicalBlockLength, 4096);
  assert.equal(c.sizeBytes, 16n * 1024n ** 4n);
  assert.equal(c.sizeBytesNumber, 16 * 1024 ** 4);
  assert.deepEqual(
    [
      c.protEn,
      c.pType,
      c.pIExponent,
      c.logicalBlocksPerPhysicalBlockExponent,
      c.lbpme,
      c.lbprz,
      c.lowestAlignedLogicalBlockAddress,
      c.rcBasis,
    ],
    [false, 0, 0, 3, true, true, 8, 0],
  );
  const partial = decodeReadCapacity16(READ_CAPACITY_16.subarray(0, 12));
  assert.equal(partial.lbpme, undefined);
  assert.equal(partial.sizeBytes, c.sizeBytes);
  const enormous = Uint8Array.from(READ_CAPACITY_16);
  enormous.fill(0xff, 0, 8);
  enormous[0] = 0x00;
  const big = decodeReadCapacity16(enormous);
  assert.equal(big.sizeBytes, 0x0100000000000000n * 4096n);
  assert.equal(big.sizeBytesNumber, undefined, 'beyond 2^53 the number form is absent, never rounded');
});
