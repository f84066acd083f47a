import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportSupportedOperationCodesCdb, commandName } from '../../src/scsi/cdb.ts';
import { decodeOneCommandSupport } from '../../src/scsi/opcodes.ts';
import { ScsiDecodeError } from '../../src/scsi/errors.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

test('REPORT SUPPORTED OPERATION CODES, one-command form: reporting options 001b without, 010b with a service action', () => {
  assert.deepEqual(
    buildReportSupportedOperationCodesCdb({ requestedOperationCode: 0x16, allocationLength: 64 }),
    hex('a3 0c 01 16 0000 00000040 00 00'),
  );
  assert.deepEqual(
    buildReportSupportedOperationCodesCdb({
      requestedOperationCode: 0x5e,
      requestedServiceAction: 3,
      allocationLength: 0x1234,
    }),
    hex('a3 0c 02 5e 0003 00001234 00 00'),
  );
  assert.equal(commandName(hex('a3 0c 01 16 0000 00000040 00 00')), 'REPORT SUPPORTED OPERATION CODES (0x16)');
  assert.throws(
    () => buildReportSupportedOperationCodesCdb({ requestedOperationCode: 0x100, allocationLength: 8 }),
    RangeError,
  );
});

test('one-command data: tgt 1.0.85 on a disk LUN, asked about RESERVE(6) (recorded)', () => {
  const r = decodeOneCommandSupport(hex('00 03 0006 16 00 00 00 00 07'));
  assert.deepEqual(
    [r.support, r.supported, r.cdbSize, r.usageData, r.ctdp, r.complete],
    [3, true, 6, '160000000007', false, true],
  );
  assert.equal(r.supportName, 'supported as the standard defines it');
});

test('one-command data: not supported, vendor-specific, reserved values, CTDP, and a short reply', () => {
  assert.deepEqual(
    [decodeOneCommandSupport(hex('00 01 0000')).supported, decodeOneCommandSupport(hex('00 01 0000')).supportName],
    [false, 'not supported'],
  );
  assert.equal(decodeOneCommandSupport(hex('00 05 0006 16 00 00 00 00 07')).supported, true);
  assert.match(decodeOneCommandSupport(hex('00 02 0000')).supportName, /reserved/);
  const ctdp = decodeOneCommandSupport(hex('00 83 0006 16 00 00 00 00 07'));
  assert.deepEqual([ctdp.ctdp, ctdp.needed, ctdp.complete], [true, 22, false]);
  const short = decodeOneCommandSupport(hex('00 03 000a 5e 1f'));
  assert.deepEqual([short.needed, short.complete, short.usageData], [14, false, '5e1f']);
  assert.throws(() => decodeOneCommandSupport(hex('00 03 00')), ScsiDecodeError);
});
