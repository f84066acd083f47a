import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeDeviceIdentification,
  decodeStandardInquiry,
  decodeSupportedVpdPages,
  decodeUnitSerialNumber,
  ScsiDecodeError,
  type Designator,
} from '../../src/scsi/index.ts';
import {
  STANDARD_INQUIRY,
  VPD_DEVICE_ID_LIO,
  VPD_DEVICE_ID_TGT,
  VPD_SUPPORTED_PAGES,
  VPD_UNIT_SERIAL,
} from './support/fixtures.ts';
import { ascii, naiveDesignator, naiveVpdPage, padded, zeros } from './support/naive.ts';

test('standard INQUIRY: every field of a 96-byte answer (SPC-4 6.6.2)', () => {
  const inq = decodeStandardInquiry(STANDARD_INQUIRY);
  assert.deepEqual(inq, {
    peripheralQualifier: 0,
    peripheralQualifierName: 'connected',
    peripheralDeviceType: 0,
    peripheralDeviceTypeName: 'direct access block device',
    rmb: false,
    version: 5,
    versionName: 'SPC-3',
    normaca: false,
    hisup: true,
    responseDataFormat: 2,
    additionalLength: 91,
    sccs: false,
    acc: false,
    tpgs: 1,
    tpgsName: 'implicit asymmetric logical unit access only',
    threePC: true,
    protect: false,
    encserv: false,
    multip: true,
    cmdque: true,
    t10VendorIdentification: 'IET',
    productIdentification: 'VIRTUAL-DISK',
    productRevisionLevel: '0001',
    versionDescriptors: [0x0060, 0x0960, 0x0300, 0x0320],
    needed: 96,
    complete: true,
  });
});

test('standard INQUIRY cut short by the allocation length: what is present, and how much is needed', () => {
  const short = decodeStandardInquiry(STANDARD_INQUIRY.subarray(0, 36));
  assert.equal(short.complete, false);
  assert.equal(short.needed, 96);
  assert.equal(short.productRevisionLevel, '0001');
  assert.deepEqual(short.versionDescriptors, []);
  const shorter = decodeStandardInquiry(STANDARD_INQUIRY.subarray(0, 20));
  assert.equal(shorter.t10VendorIdentification, 'IET');
  assert.equal(shorter.productIdentification, undefined, 'a field not wholly received is absent, not guessed');
  assert.equal(shorter.productRevisionLevel, undefined);
});

test('standard INQUIRY: device types, qualifier, RMB; bytes beyond ADDITIONAL LENGTH ignored', () => {
  const cd = Uint8Array.from([
    0x05,
    0x80,
    0x06,
    0x02,
    31,
    0,
    0,
    0,
    ...padded('TGT', 8),
    ...padded('CD-ROM', 16),
    ...padded('1.0', 4),
    0xff,
    0xff,
  ]);
  const inq = decodeStandardInquiry(cd);
  assert.equal(inq.peripheralDeviceTypeName, 'CD/DVD device');
  assert.equal(inq.rmb, true);
  assert.equal(inq.versionName, 'SPC-4');
  assert.equal(inq.needed, 36);
  assert.deepEqual(inq.versionDescriptors, []);
  const noLu = decodeStandardInquiry(Uint8Array.from([0x7f, 0, 0, 0, 3, 0, 0, 0]));
  assert.equal(noLu.peripheralQualifier, 3);
  assert.equal(noLu.peripheralQualifierName, 'not supported');
  assert.equal(noLu.peripheralDeviceTypeName, 'unknown or no device type');
  assert.equal(
    decodeStandardInquiry(Uint8Array.from([0x0c, 0, 5, 2, 3, 0, 0, 0])).peripheralDeviceTypeName,
    'storage array controller device',
  );
  assert.equal(
    decodeStandardInquiry(Uint8Array.from([0x15, 0, 9, 2, 3, 0, 0, 0])).peripheralDeviceTypeName,
    'reserved device type 0x15',
  );
  assert.equal(decodeStandardInquiry(Uint8Array.from([0x15, 0, 9, 2, 3, 0, 0, 0])).versionName, 'version 0x09');
});

test('standard INQUIRY too short for its fixed bytes throws ScsiDecodeError with the facts', () => {
  assert.throws(
    () => decodeStandardInquiry(Uint8Array.of(0, 0, 5, 2)),
    (e: unknown) =>
      e instanceof ScsiDecodeError &&
      e.code === 'ESCSIDECODE' &&
      e.reason === 'truncated' &&
      e.field === 'ADDITIONAL LENGTH' &&
      e.offset === 4 &&
      e.needed === 1 &&
      e.available === 0,
  );
  assert.throws(
    () => decodeStandardInquiry(Uint8Array.of(0, 0, 5, 2, 31, 0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.reason === 'truncated',
  );
  assert.throws(
    () => decodeStandardInquiry(Uint8Array.of(0, 0, 5, 2, 1, 0, 0, 0)),
    (e: unknown) => e instanceof ScsiDecodeError && e.reason === 'invalid',
  );
  assert.throws(() => decodeStandardInquiry(new Uint8Array(0)), ScsiDecodeError);
});

test('VPD 0x00 Supported VPD Pages and 0x80 Unit Serial Number', () => {
  const pages = decodeSupportedVpdPages(VPD_SUPPORTED_PAGES);
  assert.deepEqual(pages.pages, [0x00, 0x80, 0x83, 0x86, 0xb0]);
  assert.deepEqual(pages.pageNames, [
    'Supported VPD Pages',
    'Unit Serial Number',
    'Device Identification',
    'Extended INQUIRY Data',
    'Block Limits',
  ]);
  assert.equal(pages.complete, true);
  const cut = decodeSupportedVpdPages(VPD_SUPPORTED_PAGES.subarray(0, 6));
  assert.deepEqual(cut.pages, [0x00, 0x80]);
  assert.equal(cut.needed, 9);
  assert.equal(cut.complete, false);
  const serial = decodeUnitSerialNumber(VPD_UNIT_SERIAL);
  assert.equal(serial.productSerialNumber, 'beaf11', 'right-aligned serial: leading spaces dropped');
  assert.equal(
    decodeUnitSerialNumber(Uint8Array.from(naiveVpdPage(0x80, ascii('  abc\0\0')))).productSerialNumber,
    'abc',
  );
});

test('a VPD page with another PAGE CODE than asked for is refused', () => {
  assert.throws(
    () => decodeDeviceIdentification(VPD_UNIT_SERIAL),
    (e: unknown) => e instanceof ScsiDecodeError && e.reason === 'invalid' && e.field === 'PAGE CODE' && e.offset === 1,
  );
  assert.throws(() => decodeSupportedVpdPages(VPD_DEVICE_ID_TGT), ScsiDecodeError);
  assert.throws(() => decodeUnitSerialNumber(VPD_SUPPORTED_PAGES), ScsiDecodeError);
});

test('VPD 0x83 as tgt 1.0.85 answers: T10 vendor ID (ascii, NUL padded), NAA 3 and NAA 6', () => {
  const page = decodeDeviceIdentification(VPD_DEVICE_ID_TGT);
  assert.equal(page.designators.length, 3);
  const [t10, naa3, naa6] = page.designators as [Designator, Designator, Designator];
  assert.equal(t10.typeName, 'T10 vendor ID based');
  assert.equal(t10.codeSet, 'ascii');
  assert.equal(t10.association, 'logical-unit');
  assert.equal(t10.designatorLength, 36);
  assert.equal(t10.value, 'IET     00010001', 'NUL padding is not part of the value');
  assert.equal(t10.t10VendorIdentification, 'IET');
  assert.equal(t10.vendorSpecificIdentifier, '00010001');
  assert.deepEqual(
    [naa3.designatorType, naa3.naa, naa3.naaName, naa3.value, naa3.codeSet, naa3.piv],
    [3, 3, 'Locally Assigned', '3000000100000001', 'binary', false],
  );
  assert.deepEqual(
    [naa6.naa, naa6.naaName, naa6.value],
    [6, 'IEEE Registered Extended', '60000000000000000e00000000010001'],
  );
});

test('VPD 0x83 as LIO shapes it: NAA 6, relative target port, target port group, LU group, SCSI name strings', () => {
  const page = decodeDeviceIdentification(VPD_DEVICE_ID_LIO);
  assert.equal(page.complete, true);
  const summary = page.designators.map((d) => [d.typeName, d.association, d.protocolName, d.piv, d.value]);
  assert.deepEqual(summary, [
    ['NAA', 'logical-unit', 'Fibre Channel', false, '6001405abcdef0123456789abcdef012'],
    ['relative target port identifier', 'target-port', 'iSCSI', true, '00000001'],
    ['target port group', 'target-port', 'iSCSI', true, '00000000'],
    ['logical unit group', 'logical-unit', 'Fibre Channel', false, '00000007'],
    ['SCSI name string', 'target-port', 'iSCSI', true, 'iqn.2003-01.org:t1,t,0x0001'],
    ['SCSI name string', 'target-device', 'iSCSI', true, 'iqn.2003-01.org:t1'],
  ]);
  assert.equal(page.designators[0]!.naa, 6);
  assert.equal(page.designators[0]!.naaName, 'IEEE Registered Extended');
  assert.equal(page.designators[1]!.relativeTargetPortIdentifier, 1);
  assert.equal(page.designators[2]!.targetPortGroup, 0);
  assert.equal(page.designators[3]!.logicalUnitGroup, 7);
  assert.equal(page.designators[4]!.codeSet, 'utf8');
});

test('VPD 0x83: every designator type 0-0xA, EUI-64 in its three lengths, NAA 2/3/5/6, UUID', () => {
  const eui8 = [0x00, 0x14, 0x05, 0xff, 0xfe, 0x12, 0x34, 0x56];
  const uuid = [
    0x10, 0x00, 0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
  ];
  const body = [
    ...naiveDesignator(0, 1, false, 0, 0x0, [0xde, 0xad]),
    ...naiveDesignator(0, 2, false, 0, 0x1, [...padded('LIO-ORG', 8), ...ascii('abc')]),
    ...naiveDesignator(0, 1, false, 0, 0x2, eui8),
    ...naiveDesignator(0, 1, false, 0, 0x2, [...eui8, 0, 0, 0, 9]),
    ...naiveDesignator(0, 1, false, 0, 0x2, [...eui8, ...eui8]),
    ...naiveDesignator(0, 1, false, 0, 0x3, [0x20, 0, 0, 0x14, 0x05, 1, 2, 3]),
    ...naiveDesignator(0, 1, false, 0, 0x3, [0x30, 0, 0, 0, 0, 0, 0, 1]),
    ...naiveDesignator(0, 1, false, 0, 0x3, [0x50, 0x01, 0x40, 0x5a, 1, 2, 3, 4]),
    ...naiveDesignator(0, 1, false, 0, 0x3, [0x60, 0x01, 0x40, 0x5a, ...zeros(11), 9]),
    ...naiveDesignator(5, 1, true, 1, 0x4, [0, 0, 0x01, 0x02]),
    ...naiveDesignator(5, 1, true, 1, 0x5, [0, 0, 0x00, 0x03]),
    ...naiveDesignator(0, 1, false, 0, 0x6, [0, 0, 0x00, 0x04]),
    ...naiveDesignator(0, 1, false, 0, 0x7, zeros(15).concat([0x11])),
    ...naiveDesignator(5, 3, true, 2, 0x8, [...ascii('eui.0123456789ABCDEF'), 0, 0, 0, 0]),
    ...naiveDesignator(9, 1, true, 1, 0x9, [0x05, 0, 0x01, 0]),
    ...naiveDesignator(0, 1, false, 0, 0xa, uuid),
    ...naiveDesignator(0, 1, false, 0, 0xa, uuid.slice(0, 17)),
    ...naiveDesignator(0, 4, false, 3, 0xb, [1]),
  ];
  const page = decodeDeviceIdentification(Uint8Array.from(naiveVpdPage(0x83, body)));
  const d = page.designators;
  assert.equal(d.length, 18);
  assert.deepEqual(
    d.map((x) => x.designatorType),
    [0, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11],
  );
  assert.equal(d[0]!.typeName, 'vendor specific');
  assert.equal(d[0]!.value, 'dead');
  assert.equal(d[1]!.t10VendorIdentification, 'LIO-ORG');
  assert.equal(d[1]!.vendorSpecificIdentifier, 'abc');
  assert.deepEqual(
    [d[2]!.euiForm, d[3]!.euiForm, d[4]!.euiForm],
    ['EUI-64', 'EUI-64 with directory ID', 'EUI-64 with identifier extension'],
  );
  assert.equal(d[2]!.value, '001405fffe123456');
  assert.deepEqual([d[5]!.naa, d[6]!.naa, d[7]!.naa, d[8]!.naa], [2, 3, 5, 6]);
  assert.deepEqual([d[5]!.naaName, d[7]!.naaName], ['IEEE Extended', 'IEEE Registered']);
  assert.equal(d[8]!.value.length, 32);
  assert.equal(d[9]!.relativeTargetPortIdentifier, 0x0102);
  assert.equal(d[9]!.protocolName, 'iSCSI');
  assert.equal(d[10]!.targetPortGroup, 3);
  assert.equal(d[11]!.logicalUnitGroup, 4);
  assert.equal(d[12]!.typeName, 'MD5 logical unit identifier');
  assert.equal(d[12]!.value, '00000000000000000000000000000011');
  assert.equal(d[13]!.value, 'eui.0123456789ABCDEF');
  assert.equal(d[13]!.association, 'target-device');
  assert.equal(d[14]!.typeName, 'protocol specific port identifier');
  assert.equal(d[14]!.protocolName, 'UAS');
  assert.equal(d[15]!.uuid, '123e4567-e89b-12d3-a456-426614174000');
  assert.equal(d[15]!.value, uuid.map((b) => b.toString(16).padStart(2, '0')).join(''));
  assert.equal(d[16]!.uuid, undefined, 'a malformed UUID designator is only hex');
  assert.equal(d[17]!.typeName, 'reserved designator type 0xb');
  assert.equal(d[17]!.codeSet, 'reserved');
  assert.equal(d[17]!.association, 'reserved');
  assert.equal(d[17]!.value, '01');
});

test('VPD 0x83 cut short by the allocation length keeps whole designators only', () => {
  const cut = decodeDeviceIdentification(VPD_DEVICE_ID_LIO.subarray(0, 30));
  assert.equal(cut.complete, false);
  assert.equal(cut.needed, 116);
  assert.equal(cut.designators.length, 1);
  assert.equal(decodeDeviceIdentification(VPD_DEVICE_ID_LIO.subarray(0, 4)).designators.length, 0);
});

test('VPD 0x83 with a designator running past PAGE LENGTH is malformed', () => {
  const bad = Uint8Array.from(naiveVpdPage(0x83, naiveDesignator(0, 1, false, 0, 3, [0x30, 0, 0, 0, 0, 0, 0, 1])));
  bad[3] = 10; // PAGE LENGTH 10 while the designator needs 12
  assert.throws(
    () => decodeDeviceIdentification(bad),
    (e: unknown) =>
      e instanceof ScsiDecodeError && e.reason === 'invalid' && e.field === 'DESIGNATOR LENGTH' && e.offset === 7,
  );
});
