import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodePrReadFullStatus,
  decodePrReadKeys,
  decodePrReadReservation,
  decodePrReportCapabilities,
  decodeTransportId,
  PR_TYPE,
  ScsiDecodeError,
} from '../../src/scsi/index.ts';
import {
  PR_READ_FULL_STATUS,
  PR_READ_KEYS,
  PR_READ_RESERVATION,
  PR_READ_RESERVATION_NONE,
  PR_REPORT_CAPABILITIES,
  PR_REPORT_CAPABILITIES_NO_TMV,
  PR_REPORT_CAPABILITIES_TGT,
} from './support/fixtures.ts';
import {
  be32,
  naiveFullStatusDescriptor,
  naiveIscsiTransportId,
  naiveReadFullStatus,
  naiveReadKeys,
  naiveReadReservation,
  zeros,
} from './support/naive.ts';

test('READ KEYS: generation and 64-bit keys as bigint (SPC-4 6.15.2)', () => {
  const r = decodePrReadKeys(PR_READ_KEYS);
  assert.deepEqual(r, {
    prGeneration: 3,
    additionalLength: 16,
    needed: 24,
    complete: true,
    keys: [0x434c50524f424501n, 0x434c50524f424502n],
  });
  const top = decodePrReadKeys(Uint8Array.from(naiveReadKeys(0xffffffff, [0xffffffffffffffffn, 0n])));
  assert.deepEqual(top.keys, [0xffffffffffffffffn, 0n]);
  assert.equal(top.prGeneration, 0xffffffff);
  assert.deepEqual(decodePrReadKeys(Uint8Array.from(naiveReadKeys(0, []))).keys, []);
});

test('READ KEYS cut short: whole keys only, needed for the re-issue', () => {
  const r = decodePrReadKeys(PR_READ_KEYS.subarray(0, 20));
  assert.deepEqual(r.keys, [0x434c50524f424501n]);
  assert.equal(r.complete, false);
  assert.equal(r.needed, 24);
  assert.throws(
    () => decodePrReadKeys(PR_READ_KEYS.subarray(0, 7)),
    (e: unknown) => e instanceof ScsiDecodeError && e.field === 'ADDITIONAL LENGTH',
  );
});

test('READ RESERVATION: present with key, scope and type name; absent with ADDITIONAL LENGTH 0 (SPC-4 6.15.3)', () => {
  const held = decodePrReadReservation(PR_READ_RESERVATION);
  assert.deepEqual(held, {
    prGeneration: 4,
    additionalLength: 16,
    needed: 24,
    complete: true,
    present: true,
    reservationKey: 0x434c50524f424501n,
    scope: 0,
    scopeName: 'LU_SCOPE',
    type: 5,
    typeName: 'Write Exclusive - Registrants Only',
  });
  assert.deepEqual(decodePrReadReservation(PR_READ_RESERVATION_NONE), {
    prGeneration: 4,
    additionalLength: 0,
    needed: 8,
    complete: true,
    present: false,
  });
  for (const type of Object.values(PR_TYPE))
    assert.equal(
      decodePrReadReservation(Uint8Array.from(naiveReadReservation(1, { key: 0n, scope: 0, type }))).type,
      type,
    );
  const truncated = decodePrReadReservation(PR_READ_RESERVATION.subarray(0, 16));
  assert.equal(truncated.present, true, 'a reservation is known to exist even when its details were not received');
  assert.equal(truncated.reservationKey, undefined);
  assert.equal(truncated.complete, false);
  assert.equal(
    decodePrReadReservation(Uint8Array.from(naiveReadReservation(1, { key: 0n, scope: 0, type: 2 }))).typeName,
    'reserved type 0x2',
  );
});

test('REPORT CAPABILITIES: flags, ALLOW COMMANDS, type mask to supported types (SPC-4 6.15.4)', () => {
  const c = decodePrReportCapabilities(PR_REPORT_CAPABILITIES);
  assert.deepEqual(
    {
      rlrC: c.rlrC,
      crh: c.crh,
      sipC: c.sipC,
      atpC: c.atpC,
      ptplC: c.ptplC,
      tmv: c.tmv,
      allowCommands: c.allowCommands,
      ptplA: c.ptplA,
      typeMask: c.typeMask,
    },
    {
      rlrC: false,
      crh: true,
      sipC: true,
      atpC: true,
      ptplC: true,
      tmv: true,
      allowCommands: 1,
      ptplA: false,
      typeMask: 0xea01,
    },
  );
  assert.deepEqual([...c.supportedTypes!].sort(), [1, 3, 5, 6, 7, 8]);
  assert.ok(c.supportedTypeNames!.includes('Write Exclusive - Registrants Only'));
  assert.equal(c.complete, true);
  const tgt = decodePrReportCapabilities(PR_REPORT_CAPABILITIES_TGT);
  assert.deepEqual(
    [tgt.crh, tgt.sipC, tgt.atpC, tgt.ptplC, tgt.tmv, tgt.allowCommands],
    [false, false, false, false, true, 0],
  );
  assert.deepEqual(tgt.supportedTypes, [
    PR_TYPE.WEAR,
    PR_TYPE.EARO,
    PR_TYPE.WERO,
    PR_TYPE.EA,
    PR_TYPE.WE,
    PR_TYPE.EAAR,
  ]);
  const only = decodePrReportCapabilities(Uint8Array.of(0, 8, 0, 0x80, 0x20, 0x00, 0, 0));
  assert.deepEqual(only.supportedTypes, [PR_TYPE.WERO]);
});

test('REPORT CAPABILITIES with TMV 0: the mask is not valid, which is not "nothing supported"', () => {
  const c = decodePrReportCapabilities(PR_REPORT_CAPABILITIES_NO_TMV);
  assert.equal(c.tmv, false);
  assert.equal(c.supportedTypes, undefined);
  assert.equal(c.supportedTypeNames, undefined);
  assert.equal(c.ptplC, true);
  // even with bits set in the mask, TMV 0 means ignore them
  assert.equal(decodePrReportCapabilities(Uint8Array.of(0, 8, 0, 0, 0xff, 0x01, 0, 0)).supportedTypes, undefined);
  assert.throws(() => decodePrReportCapabilities(Uint8Array.of(0, 8, 0, 0x80, 0x20)), ScsiDecodeError);
});

test('READ FULL STATUS: registrants with R_HOLDER, ALL_TG_PT, RTPI and iSCSI port TransportIDs (SPC-4 6.15.5)', () => {
  const r = decodePrReadFullStatus(PR_READ_FULL_STATUS);
  assert.equal(r.prGeneration, 7);
  assert.equal(r.complete, true);
  assert.equal(r.registrants.length, 2);
  const [a, b] = r.registrants;
  assert.equal(a!.reservationKey, 0x434c50524f424501n);
  assert.deepEqual(
    [a!.rHolder, a!.allTgPt, a!.scope, a!.type, a!.typeName, a!.relativeTargetPortIdentifier],
    [true, false, 0, 5, 'Write Exclusive - Registrants Only', 1],
  );
  assert.deepEqual(
    { ...a!.transportId, hex: undefined },
    {
      protocolIdentifier: 5,
      protocolName: 'iSCSI',
      formatCode: 1,
      iscsiFormat: 'port',
      iscsiName: 'iqn.1991-05.com.microsoft:nodea',
      isid: '801234560001',
      length: 56,
      hex: undefined,
    },
  );
  assert.deepEqual([b!.rHolder, b!.allTgPt], [false, true]);
  assert.equal(b!.transportId!.isid, '80abcdef0002', 'ISID lower-cased for comparison');
  assert.equal(b!.transportId!.iscsiName, 'iqn.1991-05.com.microsoft:nodeb');
});

test('READ FULL STATUS agrees with the naive encoder, and copes with a short allocation', () => {
  const t = naiveIscsiTransportId('iqn.2026-01.test:x');
  const data = Uint8Array.from(
    naiveReadFullStatus(2, [
      naiveFullStatusDescriptor(0x11n, false, false, 0, 0, 3, t),
      naiveFullStatusDescriptor(0x22n, false, true, 0, 7, 4, t),
    ]),
  );
  const full = decodePrReadFullStatus(data);
  assert.deepEqual(
    full.registrants.map((x) => [
      x.reservationKey,
      x.rHolder,
      x.type,
      x.relativeTargetPortIdentifier,
      x.transportId?.iscsiFormat,
      x.transportId?.iscsiName,
      x.transportId?.isid,
    ]),
    [
      [0x11n, false, 0, 3, 'device', 'iqn.2026-01.test:x', undefined],
      [0x22n, true, 7, 4, 'device', 'iqn.2026-01.test:x', undefined],
    ],
  );
  const cut = decodePrReadFullStatus(data.subarray(0, data.length - 1));
  assert.equal(cut.registrants.length, 1);
  assert.equal(cut.complete, false);
  assert.equal(cut.needed, data.length);
  assert.equal(decodePrReadFullStatus(data.subarray(0, 8)).registrants.length, 0);
});

test('READ FULL STATUS whose descriptor overruns ADDITIONAL LENGTH is malformed', () => {
  const t = naiveIscsiTransportId('iqn.2026-01.test:x');
  const data = Uint8Array.from(naiveReadFullStatus(2, [naiveFullStatusDescriptor(0x11n, false, false, 0, 0, 3, t)]));
  data.set(be32(0x1000), 8 + 20); // ADDITIONAL DESCRIPTOR LENGTH 4096
  assert.throws(
    () => decodePrReadFullStatus(data),
    (e: unknown) =>
      e instanceof ScsiDecodeError &&
      e.reason === 'invalid' &&
      e.field === 'ADDITIONAL DESCRIPTOR LENGTH' &&
      e.offset === 28,
  );
  const tail = Uint8Array.from([...be32(1), ...be32(10), ...zeros(10)]);
  assert.throws(
    () => decodePrReadFullStatus(tail),
    (e: unknown) => e instanceof ScsiDecodeError && e.reason === 'invalid',
  );
});

test('TransportIDs of other protocols: FC N_Port name, SAS address, SRP port id (SPC-4 7.6.4)', () => {
  const fc = decodeTransportId(
    Uint8Array.from([0x00, 0, 0, 0, 0, 0, 0, 0, 0x21, 0, 0, 0x24, 0xff, 0x12, 0x34, 0x56, ...zeros(8)]),
  );
  assert.deepEqual([fc.protocolName, fc.portIdentifier, fc.length], ['Fibre Channel', '21000024ff123456', 24]);
  const sas = decodeTransportId(Uint8Array.from([0x06, 0, 0, 0, 0x50, 0, 0, 0, 0, 0, 0, 0x01, ...zeros(12)]));
  assert.deepEqual([sas.protocolName, sas.portIdentifier], ['SAS', '5000000000000001']);
  const srp = decodeTransportId(Uint8Array.from([0x04, 0, 0, 0, ...zeros(4), ...zeros(15), 7]));
  assert.equal(srp.portIdentifier, '00000000000000000000000000000007');
  const shortFc = decodeTransportId(Uint8Array.from([0x00, 0, 0, 0, 0, 0, 0, 0, 0x21]));
  assert.equal(shortFc.portIdentifier, undefined);
  assert.equal(decodeTransportId(Uint8Array.from([0x0f, 0, 0, 0])).protocolName, 'no specific protocol');
  assert.throws(() => decodeTransportId(Uint8Array.of(0x05, 0, 0)), ScsiDecodeError);
  // format 01b without the separator: the whole text is the name
  const odd = decodeTransportId(Uint8Array.from(naiveIscsiTransportId('iqn.a:b').map((x, i) => (i === 0 ? 0x45 : x))));
  assert.deepEqual([odd.iscsiFormat, odd.iscsiName, odd.isid], ['port', 'iqn.a:b', undefined]);
});
