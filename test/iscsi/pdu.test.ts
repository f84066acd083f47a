import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildDataOut,
  buildLoginRequest,
  buildLogoutRequest,
  buildNopOut,
  buildScsiCommand,
  buildTextRequest,
  decodeDataIn,
  decodeLoginResponse,
  decodeReject,
  decodeScsiResponse,
  decodeTextResponse,
  encodeLun,
  serializePdu,
  STAGE,
  type Pdu,
} from '../../src/iscsi/pdu.ts';
import { PduFramer } from '../../src/iscsi/framer.ts';
import { IscsiProtocolError } from '../../src/iscsi/errors.ts';
import { ascii, be32, fields, naivePdu } from './support/naive.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const isid = Uint8Array.of(0x80, 0x12, 0x34, 0x56, 0x00, 0x01);

test('Login Request matches the RFC 7143 11.12 layout', () => {
  const text = 'InitiatorName=iqn.x\0';
  const pdu = buildLoginRequest(
    {
      transit: true,
      continue: false,
      csg: STAGE.LoginOperational,
      nsg: STAGE.FullFeature,
      isid,
      tsih: 0,
      initiatorTaskTag: 7,
      cid: 0,
      cmdSN: 0x01020304,
      expStatSN: 9,
    },
    Uint8Array.from(ascii(text)),
  );
  const expected = naivePdu(
    fields([
      [0, [0x43, 0x80 | (1 << 2) | 3, 0, 0]],
      [8, [...isid, 0, 0]],
      [16, be32(7)],
      [20, [0, 0]],
      [24, be32(0x01020304)],
      [28, be32(9)],
    ]),
    ascii(text),
  );
  assert.equal(hex(serializePdu(pdu)), hex(expected));
});

test('T=0 leaves NSG zero; C sets 0x40', () => {
  const pdu = buildLoginRequest(
    {
      transit: false,
      continue: true,
      csg: STAGE.Security,
      nsg: STAGE.LoginOperational,
      isid,
      tsih: 5,
      initiatorTaskTag: 1,
      cid: 0,
      cmdSN: 0,
      expStatSN: 0,
    },
    new Uint8Array(0),
  );
  assert.equal(pdu.bhs[1], 0x40);
  assert.equal((pdu.bhs[14]! << 8) | pdu.bhs[15]!, 5);
});

test('SCSI Command: flags, LUN, EDTL, CmdSN, ExpStatSN, CDB; immediate data padded', () => {
  const cdb = Uint8Array.of(0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24, 0);
  const data = new Uint8Array(24).fill(0xab);
  const pdu = buildScsiCommand(
    {
      final: true,
      read: false,
      write: true,
      lun: 3,
      initiatorTaskTag: 0x100,
      expectedDataTransferLength: 24,
      cmdSN: 42,
      expStatSN: 43,
      cdb,
    },
    data,
  );
  const expected = naivePdu(
    fields([
      [0, [0x01, 0x80 | 0x20 | 0x01]],
      [8, [0, 3, 0, 0, 0, 0, 0, 0]],
      [16, be32(0x100)],
      [20, be32(24)],
      [24, be32(42)],
      [28, be32(43)],
      [32, [...cdb]],
    ]),
    [...data],
  );
  assert.equal(hex(serializePdu(pdu)), hex(expected));
});

test('LUN encoding: peripheral below 256, flat space above, refused past 16383', () => {
  assert.equal(hex(encodeLun(0)), '0000000000000000');
  assert.equal(hex(encodeLun(255)), '00ff000000000000');
  assert.equal(hex(encodeLun(256)), '4100000000000000');
  assert.equal(hex(encodeLun(16383)), '7fff000000000000');
  assert.throws(() => encodeLun(16384), RangeError);
});

test('Text, Data-Out, NOP-Out and Logout requests', () => {
  const text = buildTextRequest(
    {
      final: true,
      continue: false,
      initiatorTaskTag: 2,
      targetTransferTag: 0xffffffff,
      cmdSN: 1,
      expStatSN: 2,
      immediate: true,
    },
    Uint8Array.from(ascii('SendTargets=All\0')),
  );
  assert.equal(
    hex(serializePdu(text)),
    hex(
      naivePdu(
        fields([
          [0, [0x44, 0x80]],
          [16, be32(2)],
          [20, be32(0xffffffff)],
          [24, be32(1)],
          [28, be32(2)],
        ]),
        ascii('SendTargets=All\0'),
      ),
    ),
  );
  const dout = buildDataOut(
    { final: true, lun: 1, initiatorTaskTag: 5, targetTransferTag: 0x77, expStatSN: 9, dataSN: 2, bufferOffset: 8192 },
    Uint8Array.of(1, 2, 3),
  );
  assert.equal(
    hex(serializePdu(dout)),
    hex(
      naivePdu(
        fields([
          [0, [0x05, 0x80]],
          [8, [0, 1]],
          [16, be32(5)],
          [20, be32(0x77)],
          [28, be32(9)],
          [36, be32(2)],
          [40, be32(8192)],
        ]),
        [1, 2, 3],
      ),
    ),
  );
  const nop = buildNopOut({
    immediate: true,
    lun: 0,
    initiatorTaskTag: 0xffffffff,
    targetTransferTag: 0x1234,
    cmdSN: 10,
    expStatSN: 11,
  });
  assert.equal(
    hex(serializePdu(nop)),
    hex(
      naivePdu(
        fields([
          [0, [0x40, 0x80]],
          [16, be32(0xffffffff)],
          [20, be32(0x1234)],
          [24, be32(10)],
          [28, be32(11)],
        ]),
      ),
    ),
  );
  const logout = buildLogoutRequest({ reason: 0, initiatorTaskTag: 3, cid: 0, cmdSN: 10, expStatSN: 11 });
  assert.equal(
    hex(serializePdu(logout)),
    hex(
      naivePdu(
        fields([
          [0, [0x46, 0x80]],
          [16, be32(3)],
          [24, be32(10)],
          [28, be32(11)],
        ]),
      ),
    ),
  );
});

function framed(bytes: Uint8Array): Pdu {
  const pdus = new PduFramer().push(bytes);
  assert.equal(pdus.length, 1);
  return pdus[0]!;
}

test('Login Response decode: stages, TSIH, sequence numbers, status', () => {
  const raw = naivePdu(
    fields([
      [0, [0x23, 0x87, 0, 0]],
      [8, [...isid, 0x00, 0x2a]],
      [16, be32(1)],
      [24, be32(100)],
      [28, be32(5)],
      [32, be32(20)],
      [36, [0x02, 0x01]],
    ]),
    ascii('TargetPortalGroupTag=1\0'),
  );
  const r = decodeLoginResponse(framed(raw));
  assert.deepEqual(
    [r.transit, r.csg, r.nsg, r.tsih, r.statSN, r.expCmdSN, r.maxCmdSN, r.statusClass, r.statusDetail],
    [true, 1, 3, 42, 100, 5, 20, 2, 1],
  );
});

test('SCSI Response: residual flags and sense from the SenseLength prefix; a lying SenseLength is refused', () => {
  const sense = [0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0x00];
  const raw = naivePdu(
    fields([
      [0, [0x21, 0x82, 0x00, 0x02]],
      [16, be32(9)],
      [24, be32(7)],
      [44, be32(12)],
    ]),
    [0, sense.length, ...sense],
  );
  const r = decodeScsiResponse(framed(raw));
  assert.deepEqual([r.status, r.underflow, r.residualCount, r.initiatorTaskTag], [2, true, 12, 9]);
  assert.equal(hex(r.sense!), hex(Uint8Array.from(sense)));
  const lying = naivePdu(fields([[0, [0x21, 0x80, 0, 2]]]), [0x10, 0x00, 1, 2]);
  assert.throws(() => decodeScsiResponse(framed(lying)), IscsiProtocolError);
});

test('Data-In with status, Text Response continuation, Reject names the rejected task', () => {
  const d = decodeDataIn(
    framed(
      naivePdu(
        fields([
          [0, [0x25, 0x83, 0, 0]],
          [16, be32(4)],
          [36, be32(1)],
          [40, be32(8)],
          [44, be32(3)],
        ]),
        [1, 2, 3, 4, 5],
      ),
    ),
  );
  assert.deepEqual(
    [d.final, d.hasStatus, d.underflow, d.dataSN, d.bufferOffset, d.residualCount, d.data.length],
    [true, true, true, 1, 8, 3, 5],
  );
  const t = decodeTextResponse(
    framed(
      naivePdu(
        fields([
          [0, [0x24, 0x40]],
          [16, be32(2)],
          [20, be32(0x55)],
        ]),
        ascii('TargetName=x\0'),
      ),
    ),
  );
  assert.deepEqual([t.final, t.continue, t.targetTransferTag], [false, true, 0x55]);
  const rejected = [
    ...naivePdu(
      fields([
        [0, [0x01]],
        [16, be32(0x1234)],
      ]),
    ),
  ];
  const r = decodeReject(framed(naivePdu(fields([[0, [0x3f, 0x80, 0x04]]]), rejected)));
  assert.deepEqual([r.reason, r.reasonName, r.rejectedTaskTag], [4, 'protocol error', 0x1234]);
});

test('a decoder given the wrong opcode throws a typed error', () => {
  assert.throws(() => decodeLoginResponse(framed(naivePdu(fields([[0, [0x21]]])))), IscsiProtocolError);
});
