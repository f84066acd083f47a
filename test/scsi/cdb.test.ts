import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildInquiryCdb,
  buildIscsiTransportId,
  buildPersistentReserveInCdb,
  buildPersistentReserveOutCdb,
  buildProutParameterList,
  buildReadCapacity10Cdb,
  buildReadCapacity16Cdb,
  buildRegisterAndMoveParameterList,
  buildReportLunsCdb,
  buildTestUnitReadyCdb,
  commandName,
  PR_TYPE,
  PRIN_SERVICE_ACTION,
  PROUT_SERVICE_ACTION,
} from '../../src/scsi/index.ts';
import {
  hex,
  naiveInquiry,
  naiveIscsiTransportId,
  naivePrIn,
  naivePrOut,
  naiveProutParameters,
  naiveReadCapacity10,
  naiveReadCapacity16,
  naiveRegisterAndMove,
  naiveReportLuns,
  naiveTestUnitReady,
} from './support/naive.ts';

const isid = Uint8Array.of(0x80, 0x12, 0x34, 0x56, 0x00, 0x01);

test('TEST UNIT READY is six zero bytes (SPC-4 6.47)', () => {
  assert.equal(hex(buildTestUnitReadyCdb()), hex(naiveTestUnitReady()));
});

test('INQUIRY: standard and EVPD pages, 16-bit allocation length (SPC-4 6.6.1)', () => {
  for (const allocationLength of [0, 36, 255, 256, 0x1234, 0xffff]) {
    assert.equal(hex(buildInquiryCdb({ allocationLength })), hex(naiveInquiry(false, 0, allocationLength)));
    for (const page of [0x00, 0x80, 0x83, 0xb0])
      assert.equal(
        hex(buildInquiryCdb({ allocationLength, vpdPage: page })),
        hex(naiveInquiry(true, page, allocationLength)),
      );
  }
  assert.throws(() => buildInquiryCdb({ allocationLength: 0x10000 }), RangeError);
  assert.throws(() => buildInquiryCdb({ allocationLength: -1 }), RangeError);
  assert.throws(() => buildInquiryCdb({ allocationLength: 10, vpdPage: 0x100 }), RangeError);
});

test('REPORT LUNS: 12 bytes, SELECT REPORT byte 2, 32-bit allocation length (SPC-4 6.33)', () => {
  for (const allocationLength of [16, 4096, 0x01020304, 0xffffffff]) {
    for (const selectReport of [0, 1, 2])
      assert.equal(
        hex(buildReportLunsCdb({ allocationLength, selectReport })),
        hex(naiveReportLuns(selectReport, allocationLength)),
      );
  }
  assert.equal(hex(buildReportLunsCdb({ allocationLength: 16 })), hex(naiveReportLuns(0, 16)));
  assert.throws(() => buildReportLunsCdb({ allocationLength: 2 ** 32 }), RangeError);
});

test('READ CAPACITY(10) and (16): SERVICE ACTION IN(16) 0x9E / 0x10 (SBC-3 5.15, 5.16)', () => {
  assert.equal(hex(buildReadCapacity10Cdb()), hex(naiveReadCapacity10()));
  assert.equal(hex(buildReadCapacity16Cdb()), hex(naiveReadCapacity16(32)));
  assert.equal(hex(buildReadCapacity16Cdb(0x00abcdef)), hex(naiveReadCapacity16(0x00abcdef)));
});

test('PERSISTENT RESERVE IN: each service action, allocation length bytes 7-8 (SPC-4 6.15.1)', () => {
  for (const sa of Object.values(PRIN_SERVICE_ACTION)) {
    for (const allocationLength of [8, 24, 1024, 0xffff])
      assert.equal(hex(buildPersistentReserveInCdb(sa, allocationLength)), hex(naivePrIn(sa, allocationLength)));
  }
  assert.throws(() => buildPersistentReserveInCdb(0, 0x10000), RangeError);
  assert.throws(() => buildPersistentReserveInCdb(0x20, 8), RangeError);
});

test('PERSISTENT RESERVE OUT: all eight service actions, scope/type byte 2, length bytes 5-8 (SPC-4 6.16.1)', () => {
  assert.equal(Object.keys(PROUT_SERVICE_ACTION).length, 8);
  for (const sa of Object.values(PROUT_SERVICE_ACTION)) {
    for (const type of Object.values(PR_TYPE)) {
      assert.equal(
        hex(buildPersistentReserveOutCdb({ serviceAction: sa, type, parameterListLength: 24 })),
        hex(naivePrOut(sa, 0, type, 24)),
      );
    }
  }
  assert.equal(
    hex(buildPersistentReserveOutCdb({ serviceAction: 7, scope: 0, type: 5, parameterListLength: 0x01020304 })),
    hex(naivePrOut(7, 0, 5, 0x01020304)),
  );
  assert.throws(
    () => buildPersistentReserveOutCdb({ serviceAction: 1, type: 16, parameterListLength: 24 }),
    RangeError,
  );
  assert.throws(
    () => buildPersistentReserveOutCdb({ serviceAction: 1, scope: 16, parameterListLength: 24 }),
    RangeError,
  );
});

test('PROUT basic parameter list: keys at 0-7 / 8-15, SPEC_I_PT 0x08, ALL_TG_PT 0x04, APTPL 0x01 in byte 20 (SPC-4 6.16.3)', () => {
  const keys = [0n, 1n, 0x434c50524f424501n, 0xffffffffffffffffn, 0x8000000000000000n];
  for (const key of keys) {
    for (const saKey of keys) {
      assert.equal(
        hex(buildProutParameterList({ reservationKey: key, serviceActionReservationKey: saKey })),
        hex(naiveProutParameters(key, saKey, false, false, false)),
      );
    }
  }
  for (let bits = 0; bits < 8; bits++) {
    const specIPT = (bits & 4) !== 0;
    const allTgPt = (bits & 2) !== 0;
    const aptpl = (bits & 1) !== 0;
    assert.equal(
      hex(buildProutParameterList({ reservationKey: 5n, serviceActionReservationKey: 6n, specIPT, allTgPt, aptpl })),
      hex(naiveProutParameters(5n, 6n, specIPT, allTgPt, aptpl)),
    );
  }
  assert.equal(buildProutParameterList().length, 24);
  assert.throws(() => buildProutParameterList({ reservationKey: -1n }), RangeError);
  assert.throws(() => buildProutParameterList({ serviceActionReservationKey: 1n << 64n }), RangeError);
});

test('PROUT with SPEC_I_PT appends TRANSPORTID PARAMETER DATA LENGTH and the TransportIDs (SPC-4 6.16.3)', () => {
  const t1 = naiveIscsiTransportId('iqn.2026-01.test:a', '801234560001');
  const t2 = naiveIscsiTransportId('iqn.2026-01.test:b');
  const list = buildProutParameterList({
    reservationKey: 0n,
    serviceActionReservationKey: 9n,
    specIPT: true,
    transportIds: [Uint8Array.from(t1), Uint8Array.from(t2)],
  });
  const expected = [...naiveProutParameters(0n, 9n, true, false, false), 0, 0, 0, t1.length + t2.length, ...t1, ...t2];
  assert.equal(hex(list), hex(expected));
  assert.throws(() => buildProutParameterList({ transportIds: [Uint8Array.from(t1)] }), /SPEC_I_PT/u);
});

test('iSCSI TransportID: format 00b name, format 01b name,i,0x<ISID>, NUL padded to 4, at least 24 bytes (SPC-4 7.6.4.6)', () => {
  assert.equal(
    hex(buildIscsiTransportId({ iscsiName: 'iqn.1991-05.com.microsoft:nodea', isid })),
    hex(naiveIscsiTransportId('iqn.1991-05.com.microsoft:nodea', '801234560001')),
  );
  assert.equal(hex(buildIscsiTransportId({ iscsiName: 'iqn.a:b' })), hex(naiveIscsiTransportId('iqn.a:b')));
  assert.equal(buildIscsiTransportId({ iscsiName: 'iqn.a:b' }).length, 24);
  // exactly filling a 4-byte boundary still needs its NUL: 19 chars + NUL = 20, 20 chars + NUL = 24
  assert.equal(buildIscsiTransportId({ iscsiName: 'x'.repeat(19) }).length, 24);
  assert.equal(buildIscsiTransportId({ iscsiName: 'x'.repeat(20) }).length, 28);
  assert.throws(() => buildIscsiTransportId({ iscsiName: '' }), RangeError);
  assert.throws(() => buildIscsiTransportId({ iscsiName: 'iqn.a,b' }), RangeError);
  assert.throws(() => buildIscsiTransportId({ iscsiName: 'iqn.a', isid: new Uint8Array(5) }), RangeError);
});

test('REGISTER AND MOVE parameter list: UNREG/APTPL byte 17, RTPI 18-19, TransportID length 20-23 (SPC-4 6.16.4)', () => {
  const transportId = buildIscsiTransportId({ iscsiName: 'iqn.1991-05.com.microsoft:nodeb', isid });
  for (const [unreg, aptpl] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const list = buildRegisterAndMoveParameterList({
      reservationKey: 0xa1n,
      serviceActionReservationKey: 0xb2n,
      unreg,
      aptpl,
      relativeTargetPortIdentifier: 0x0102,
      transportId,
    });
    assert.equal(hex(list), hex(naiveRegisterAndMove(0xa1n, 0xb2n, unreg, aptpl, 0x0102, [...transportId])));
  }
  assert.throws(
    () =>
      buildRegisterAndMoveParameterList({
        reservationKey: 1n,
        serviceActionReservationKey: 2n,
        relativeTargetPortIdentifier: 0x10000,
        transportId,
      }),
    RangeError,
  );
});

test('commandName names service actions and VPD pages', () => {
  assert.equal(commandName(buildTestUnitReadyCdb()), 'TEST UNIT READY');
  assert.equal(commandName(buildInquiryCdb({ allocationLength: 1 })), 'INQUIRY');
  assert.equal(commandName(buildInquiryCdb({ allocationLength: 1, vpdPage: 0x83 })), 'INQUIRY (VPD page 0x83)');
  assert.equal(commandName(buildReadCapacity16Cdb()), 'READ CAPACITY(16)');
  assert.equal(commandName(buildPersistentReserveInCdb(3, 8)), 'PERSISTENT RESERVE IN (READ FULL STATUS)');
  assert.equal(
    commandName(buildPersistentReserveOutCdb({ serviceAction: 6, parameterListLength: 24 })),
    'PERSISTENT RESERVE OUT (REGISTER AND IGNORE EXISTING KEY)',
  );
  assert.equal(commandName(Uint8Array.of(0x5f, 0x1f)), 'PERSISTENT RESERVE OUT (service action 0x1f)');
  assert.equal(commandName(Uint8Array.of(0x28)), 'operation code 0x28');
  assert.equal(commandName(new Uint8Array(0)), 'empty CDB');
});
