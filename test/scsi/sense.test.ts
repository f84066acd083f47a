import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ascName,
  decodeSense,
  ScsiCheckCondition,
  ScsiDecodeError,
  ScsiStatusError,
  ScsiUnitAttentionError,
  scsiStatusName,
  SCSI_STATUS,
  senseKeyName,
} from '../../src/scsi/index.ts';
import { SENSE_DESCRIPTOR_MEDIUM_ERROR, SENSE_INVALID_FIELD_IN_CDB, SENSE_UA_POWER_ON } from './support/fixtures.ts';
import { naiveDescriptorSense, naiveFixedSense } from './support/naive.ts';

test('fixed format UNIT ATTENTION 29/00 as tgt sends it (SPC-4 4.5.3)', () => {
  const s = decodeSense(SENSE_UA_POWER_ON);
  assert.equal(s.format, 'fixed');
  assert.equal(s.current, true);
  assert.equal(s.senseKey, 6);
  assert.equal(s.senseKeyName, 'UNIT ATTENTION');
  assert.deepEqual([s.asc, s.ascq, s.ascName], [0x29, 0x00, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED']);
  assert.equal(s.information, undefined, 'INFORMATION only with VALID');
  assert.equal(s.senseKeySpecific, undefined);
  assert.equal(s.complete, true);
  assert.equal(s.needed, 18);
});

test('fixed format ILLEGAL REQUEST with a field pointer into the CDB', () => {
  const s = decodeSense(SENSE_INVALID_FIELD_IN_CDB);
  assert.equal(s.ascName, 'INVALID FIELD IN CDB');
  assert.deepEqual(s.senseKeySpecific, { kind: 'field-pointer', cd: true, bpv: false, bitPointer: 0, fieldPointer: 1 });
});

test('fixed format: VALID bit gives INFORMATION, 0x71 is deferred, 0xF0 is 0x70 with VALID', () => {
  const s = decodeSense(Uint8Array.from(naiveFixedSense(3, 0x11, 0, { information: 0x1234, deferred: true })));
  assert.equal(s.current, false);
  assert.equal(s.responseCode, 0x71);
  assert.equal(s.information, 0x1234n);
  assert.equal(decodeSense(Uint8Array.from(naiveFixedSense(2, 4, 1, { information: 1 }))).responseCode, 0x70);
  assert.equal(
    decodeSense(Uint8Array.from(naiveFixedSense(2, 4, 1, { sksv: [0x80, 0x40, 0x00] }))).senseKeySpecific?.kind,
    'progress-indication',
  );
});

test('descriptor format with an information descriptor (SPC-4 4.5.2)', () => {
  const s = decodeSense(SENSE_DESCRIPTOR_MEDIUM_ERROR);
  assert.equal(s.format, 'descriptor');
  assert.equal(s.senseKeyName, 'MEDIUM ERROR');
  assert.equal(s.ascName, 'UNRECOVERED READ ERROR');
  assert.equal(s.information, 0x123456n);
  assert.deepEqual(s.descriptors, [{ descriptorType: 0, name: 'information', hex: '80000000000000123456' }]);
  const deferred = decodeSense(Uint8Array.from(naiveDescriptorSense(5, 0x20, 0, [], true)));
  assert.equal(deferred.current, false);
  assert.equal(deferred.ascName, 'INVALID COMMAND OPERATION CODE');
  const withSks = decodeSense(
    Uint8Array.from(
      naiveDescriptorSense(5, 0x24, 0, [
        [0x02, 0x06, 0, 0, 0xc0, 0x00, 0x02, 0],
        [0x7f, 0x01, 0xaa],
      ]),
    ),
  );
  assert.deepEqual(withSks.senseKeySpecific, {
    kind: 'field-pointer',
    cd: true,
    bpv: false,
    bitPointer: 0,
    fieldPointer: 2,
  });
  assert.equal(withSks.descriptors![1]!.name, 'descriptor type 0x7f');
});

test('every code PROTOCOL-NOTES lists has its name', () => {
  const expected: [number, number, string][] = [
    [0x29, 0x00, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED'],
    [0x29, 0x07, 'I_T NEXUS LOSS OCCURRED'],
    [0x2a, 0x03, 'RESERVATIONS PREEMPTED'],
    [0x2a, 0x04, 'RESERVATIONS RELEASED'],
    [0x2a, 0x05, 'REGISTRATIONS PREEMPTED'],
    [0x3f, 0x0e, 'REPORTED LUNS DATA HAS CHANGED'],
    [0x20, 0x00, 'INVALID COMMAND OPERATION CODE'],
    [0x24, 0x00, 'INVALID FIELD IN CDB'],
    [0x26, 0x00, 'INVALID FIELD IN PARAMETER LIST'],
    [0x1a, 0x00, 'PARAMETER LIST LENGTH ERROR'],
    [0x26, 0x04, 'INVALID RELEASE OF PERSISTENT RESERVATION'],
    [0x55, 0x04, 'INSUFFICIENT REGISTRATION RESOURCES'],
    [0x04, 0x00, 'LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE'],
    [0x04, 0x01, 'LOGICAL UNIT IS IN PROCESS OF BECOMING READY'],
    [0x25, 0x00, 'LOGICAL UNIT NOT SUPPORTED'],
    [0x3a, 0x00, 'MEDIUM NOT PRESENT'],
  ];
  for (const [asc, ascq, name] of expected) {
    assert.equal(ascName(asc, ascq), name);
    assert.equal(decodeSense(Uint8Array.from(naiveFixedSense(6, asc, ascq))).ascName, name);
  }
});

test('unknown codes decode with a generic name and never throw', () => {
  assert.equal(ascName(0x7e, 0x01), 'ASC 0x7E ASCQ 0x01');
  assert.equal(ascName(0x90, 0x01), 'VENDOR SPECIFIC ASC 0x90/0x01');
  assert.equal(ascName(0x29, 0x99), 'ASC 0x29 WITH VENDOR SPECIFIC ASCQ 0x99');
  assert.equal(senseKeyName(0xc), 'EQUAL (obsolete)');
  assert.equal(senseKeyName(0x10), 'sense key 0x10');
  assert.equal(scsiStatusName(0x18), 'RESERVATION CONFLICT');
  assert.equal(scsiStatusName(0x7f), 'status 0x7f');
  for (const [name, code] of Object.entries(SCSI_STATUS)) assert.equal(scsiStatusName(code), name.replaceAll('_', ' '));
});

test('short sense: the key when that is all there is; ASC/ASCQ undefined, never zero', () => {
  const keyOnly = decodeSense(Uint8Array.of(0x70, 0, 0x06));
  assert.deepEqual(
    [keyOnly.senseKey, keyOnly.asc, keyOnly.ascq, keyOnly.ascName, keyOnly.complete],
    [6, undefined, undefined, undefined, false],
  );
  const lengthZero = decodeSense(Uint8Array.from([...naiveFixedSense(5, 0x24, 0)].map((b, i) => (i === 7 ? 0 : b))));
  assert.equal(lengthZero.asc, undefined, 'bytes past ADDITIONAL SENSE LENGTH are not sense data');
  const descriptorShort = decodeSense(Uint8Array.of(0x72, 0x05));
  assert.deepEqual([descriptorShort.senseKey, descriptorShort.asc], [5, undefined]);
  assert.throws(
    () => decodeSense(new Uint8Array(0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.field === 'RESPONSE CODE',
  );
  assert.throws(
    () => decodeSense(Uint8Array.of(0x70, 0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.field === 'SENSE KEY',
  );
  assert.throws(
    () => decodeSense(Uint8Array.of(0x7f, 0, 0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.reason === 'invalid',
  );
});

test('typed errors carry code, command, status and sense facts', () => {
  const sense = decodeSense(SENSE_INVALID_FIELD_IN_CDB);
  const cc = new ScsiCheckCondition('PERSISTENT RESERVE IN (READ FULL STATUS)', SENSE_INVALID_FIELD_IN_CDB, sense);
  assert.equal(cc.code, 'ESCSICHECK');
  assert.equal(cc.status, 2);
  assert.deepEqual(
    [cc.senseKey, cc.asc, cc.ascq, cc.senseKeyName, cc.ascName],
    [5, 0x24, 0, 'ILLEGAL REQUEST', 'INVALID FIELD IN CDB'],
  );
  assert.equal(cc.senseHex, '700005000000000a00000000240000c00001');
  assert.equal(
    cc.message,
    'PERSISTENT RESERVE IN (READ FULL STATUS): CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB (05/24/00)',
  );
  const none = new ScsiCheckCondition('INQUIRY', undefined, undefined);
  assert.deepEqual([none.senseKey, none.senseHex], [undefined, '']);
  assert.match(none.message, /no usable sense data/u);
  const ua = new ScsiUnitAttentionError('INQUIRY', SENSE_UA_POWER_ON, decodeSense(SENSE_UA_POWER_ON), 4);
  assert.equal(ua.code, 'ESCSIUNITATTENTION');
  assert.ok(ua instanceof ScsiCheckCondition);
  assert.match(ua.message, /after 4 attempt/u);
  const rc = new ScsiStatusError('PERSISTENT RESERVE OUT (RESERVE)', 0x18);
  assert.deepEqual(
    [rc.code, rc.status, rc.statusName, rc.message],
    [
      'ESCSISTATUS',
      0x18,
      'RESERVATION CONFLICT',
      'PERSISTENT RESERVE OUT (RESERVE): RESERVATION CONFLICT (status 0x18)',
    ],
  );
});
