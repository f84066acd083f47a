import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildIscsiTransportId,
  PR_TYPE,
  PROUT_SERVICE_ACTION,
  ScsiCheckCondition,
  ScsiDecodeError,
  ScsiDevice,
  ScsiStatusError,
  ScsiUnitAttentionError,
} from '../../src/scsi/index.ts';
import { checkCondition, FakeScsiTransport, good, status } from './support/fake-transport.ts';
import {
  PR_READ_KEYS,
  PR_READ_RESERVATION,
  PR_REPORT_CAPABILITIES,
  READ_CAPACITY_10,
  READ_CAPACITY_16,
  STANDARD_INQUIRY,
  VPD_DEVICE_ID_LIO,
} from './support/fixtures.ts';
import {
  be32,
  hex,
  naiveFixedSense,
  naiveInquiry,
  naivePrIn,
  naivePrOut,
  naiveProutParameters,
  naiveReadCapacity10,
  naiveReadCapacity16,
  naiveReadKeys,
  naiveRegisterAndMove,
  naiveReportLuns,
} from './support/naive.ts';

const UA_POWER_ON = naiveFixedSense(6, 0x29, 0x00);
const UA_PREEMPTED = naiveFixedSense(6, 0x2a, 0x05);

function lunList(count: number): number[] {
  const entries: number[] = [];
  for (let i = 0; i < count; i++) entries.push(...(i < 256 ? [0, i] : [0x40 | (i >> 8), i & 0xff]), 0, 0, 0, 0, 0, 0);
  return [...be32(count * 8), 0, 0, 0, 0, ...entries];
}

test('INQUIRY: one request with the LUN, the CDB and a 255-byte allocation', async () => {
  const transport = new FakeScsiTransport([good(STANDARD_INQUIRY)]);
  const device = new ScsiDevice(transport, 7);
  const inq = await device.inquiry();
  assert.equal(inq.productIdentification, 'VIRTUAL-DISK');
  assert.equal(transport.requests.length, 1);
  const [req] = transport.requests;
  assert.equal(req!.lun, 7);
  assert.equal(hex(req!.cdb), hex(naiveInquiry(false, 0, 255)));
  assert.equal(req!.dataInLength, 255);
  assert.equal(req!.dataOut, undefined);
});

test('VPD 0x83 longer than 255 bytes is re-issued with the PAGE LENGTH the target reported', async () => {
  const page = Uint8Array.from([
    0x00,
    0x83,
    0x01,
    0x2c,
    ...Array.from({ length: 25 }, () => [0x01, 0x03, 0x00, 0x08, 0x30, 0, 0, 0, 0, 0, 0, 1]).flat(),
  ]);
  assert.equal(page.length, 304);
  const transport = new FakeScsiTransport([good(page), good(page)]);
  const result = await new ScsiDevice(transport, 0).deviceIdentification();
  assert.equal(result.designators.length, 25);
  assert.equal(result.complete, true);
  assert.deepEqual(
    transport.requests.map((r) => r.dataInLength),
    [255, 304],
  );
  assert.equal(hex(transport.requests[1]!.cdb), hex(naiveInquiry(true, 0x83, 304)));
});

test('REPORT LUNS longer than allocated is re-issued with LUN LIST LENGTH + 8', async () => {
  const data = lunList(600);
  const transport = new FakeScsiTransport([good(data), good(data)]);
  const luns = await new ScsiDevice(transport, 0).reportLuns();
  assert.equal(luns.luns.length, 600);
  assert.equal(luns.complete, true);
  assert.equal(luns.luns[599]!.lun, 599);
  assert.deepEqual(
    transport.requests.map((r) => hex(r.cdb)),
    [hex(naiveReportLuns(0, 4096)), hex(naiveReportLuns(0, 4808))],
  );
});

test('REPORT LUNS that fits the first allocation is issued once', async () => {
  const transport = new FakeScsiTransport([good(lunList(3))]);
  assert.equal((await new ScsiDevice(transport, 0).reportLuns()).luns.length, 3);
  assert.equal(transport.requests.length, 1);
});

test('REPORT LUNS claiming more than the cap is refused, not allocated', async () => {
  const claim = [...be32(0x7ffffff0), 0, 0, 0, 0, ...new Array<number>(4088).fill(0)];
  const transport = new FakeScsiTransport([good(claim)]);
  await assert.rejects(
    new ScsiDevice(transport, 0, { maxAllocationLength: 64 * 1024 }).reportLuns(),
    (e: unknown) =>
      e instanceof ScsiDecodeError &&
      e.reason === 'over-cap' &&
      e.field === 'LUN LIST LENGTH' &&
      e.available === 64 * 1024,
  );
  assert.equal(transport.requests.length, 1);
});

test('the first allocation never exceeds maxAllocationLength', async () => {
  const transport = new FakeScsiTransport([good(lunList(3))]);
  await new ScsiDevice(transport, 0, { maxAllocationLength: 64 }).reportLuns();
  assert.equal(transport.requests[0]!.dataInLength, 64);
  assert.equal(hex(transport.requests[0]!.cdb), hex(naiveReportLuns(0, 64)));
});

test('a list that keeps growing is issued at most three times, then returned incomplete', async () => {
  const transport = new FakeScsiTransport([good(lunList(600)), good(lunList(700)), good(lunList(800))]);
  const luns = await new ScsiDevice(transport, 0).reportLuns();
  assert.equal(transport.requests.length, 3);
  assert.equal(luns.complete, false);
  assert.deepEqual(
    transport.requests.map((r) => r.dataInLength),
    [4096, 4808, 5608],
  );
});

test('a target sending less than it claims, within the allocation, is not re-issued', async () => {
  const claimsMore = [...be32(64), 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  const transport = new FakeScsiTransport([good(claimsMore)]);
  const luns = await new ScsiDevice(transport, 0).reportLuns();
  assert.equal(transport.requests.length, 1);
  assert.equal(luns.complete, false);
  assert.equal(luns.luns.length, 1);
});

test('PR IN READ KEYS past the 16-bit allocation length: re-issued at 65535, the rest reported incomplete', async () => {
  const keys = Array.from({ length: 9000 }, (_, i) => BigInt(i + 1));
  const data = naiveReadKeys(1, keys);
  const transport = new FakeScsiTransport([good(data), good(data)]);
  const r = await new ScsiDevice(transport, 0).prReadKeys();
  assert.deepEqual(
    transport.requests.map((x) => hex(x.cdb)),
    [hex(naivePrIn(0, 1024)), hex(naivePrIn(0, 0xffff))],
  );
  assert.equal(r.complete, false);
  assert.equal(r.keys.length, Math.floor((0xffff - 8) / 8));
});

test('PR IN commands: READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL STATUS CDBs', async () => {
  const transport = new FakeScsiTransport([
    good(PR_READ_KEYS),
    good(PR_READ_RESERVATION),
    good(PR_REPORT_CAPABILITIES),
    good([0, 0, 0, 1, 0, 0, 0, 0]),
  ]);
  const device = new ScsiDevice(transport, 1);
  assert.equal((await device.prReadKeys()).keys.length, 2);
  assert.equal((await device.prReadReservation()).type, PR_TYPE.WERO);
  assert.equal((await device.prReportCapabilities()).tmv, true);
  assert.equal((await device.prReadFullStatus()).registrants.length, 0);
  assert.deepEqual(
    transport.requests.map((r) => hex(r.cdb)),
    [naivePrIn(0, 1024), naivePrIn(1, 24), naivePrIn(2, 8), naivePrIn(3, 4096)].map(hex),
  );
});

test('UNIT ATTENTION is recorded and the command retried', async () => {
  const transport = new FakeScsiTransport([
    checkCondition(UA_POWER_ON),
    checkCondition(UA_PREEMPTED),
    good(STANDARD_INQUIRY),
  ]);
  const device = new ScsiDevice(transport, 0);
  const inq = await device.inquiry();
  assert.equal(inq.t10VendorIdentification, 'IET');
  assert.equal(transport.requests.length, 3);
  assert.deepEqual(device.unitAttentions, [
    { asc: 0x29, ascq: 0x00, name: 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED', command: 'INQUIRY' },
    { asc: 0x2a, ascq: 0x05, name: 'REGISTRATIONS PREEMPTED', command: 'INQUIRY' },
  ]);
});

test('UNIT ATTENTION retries are bounded: default 3 retries, then ScsiUnitAttentionError', async () => {
  const transport = new FakeScsiTransport(Array.from({ length: 10 }, () => checkCondition(UA_POWER_ON)));
  const device = new ScsiDevice(transport, 0);
  await assert.rejects(
    device.testUnitReady(),
    (e: unknown) =>
      e instanceof ScsiUnitAttentionError &&
      e.code === 'ESCSIUNITATTENTION' &&
      e.attempts === 4 &&
      e.senseKey === 6 &&
      e.asc === 0x29 &&
      e.command === 'TEST UNIT READY',
  );
  assert.equal(transport.requests.length, 4);
  assert.equal(device.unitAttentions.length, 4);
  const once = new FakeScsiTransport(Array.from({ length: 10 }, () => checkCondition(UA_POWER_ON)));
  await assert.rejects(new ScsiDevice(once, 0, { unitAttentionRetries: 0 }).testUnitReady(), ScsiUnitAttentionError);
  assert.equal(once.requests.length, 1);
});

test('CHECK CONDITION other than UNIT ATTENTION throws ScsiCheckCondition at once, with the facts', async () => {
  const transport = new FakeScsiTransport([checkCondition(naiveFixedSense(5, 0x24, 0x00))]);
  await assert.rejects(new ScsiDevice(transport, 0).prReadFullStatus(), (e: unknown) => {
    assert.ok(e instanceof ScsiCheckCondition);
    assert.equal(e.code, 'ESCSICHECK');
    assert.equal(e.command, 'PERSISTENT RESERVE IN (READ FULL STATUS)');
    assert.deepEqual(
      [e.senseKey, e.asc, e.ascq, e.senseKeyName, e.ascName],
      [5, 0x24, 0, 'ILLEGAL REQUEST', 'INVALID FIELD IN CDB'],
    );
    assert.equal(e.senseHex, hex(naiveFixedSense(5, 0x24, 0x00)));
    return true;
  });
  assert.equal(transport.requests.length, 1);
});

test('CHECK CONDITION with no sense or undecodable sense still throws ScsiCheckCondition', async () => {
  const transport = new FakeScsiTransport([
    { status: 2, data: new Uint8Array(0), residual: 0 },
    checkCondition([0x00, 0x01]),
  ]);
  const device = new ScsiDevice(transport, 0);
  await assert.rejects(
    device.testUnitReady(),
    (e: unknown) => e instanceof ScsiCheckCondition && e.senseKey === undefined && e.senseHex === '',
  );
  await assert.rejects(
    device.testUnitReady(),
    (e: unknown) => e instanceof ScsiCheckCondition && e.senseKey === undefined && e.senseHex === '0001',
  );
});

test('RESERVATION CONFLICT, BUSY, TASK SET FULL throw ScsiStatusError', async () => {
  const transport = new FakeScsiTransport([status(0x18), status(0x08), status(0x28)]);
  const device = new ScsiDevice(transport, 0);
  await assert.rejects(
    device.reserve({ key: 1n, type: PR_TYPE.WERO }),
    (e: unknown) =>
      e instanceof ScsiStatusError &&
      e.status === 0x18 &&
      e.statusName === 'RESERVATION CONFLICT' &&
      e.command === 'PERSISTENT RESERVE OUT (RESERVE)',
  );
  await assert.rejects(device.testUnitReady(), (e: unknown) => e instanceof ScsiStatusError && e.statusName === 'BUSY');
  await assert.rejects(
    device.testUnitReady(),
    (e: unknown) => e instanceof ScsiStatusError && e.statusName === 'TASK SET FULL',
  );
});

test('READ CAPACITY: (10) alone, or (16) after a last LBA of 0xFFFFFFFF', async () => {
  const small = new FakeScsiTransport([good(READ_CAPACITY_10)]);
  const c10 = await new ScsiDevice(small, 0).readCapacity();
  assert.equal(c10.command, 'READ CAPACITY(10)');
  assert.equal(c10.sizeBytesNumber, 2 ** 31);
  assert.equal(hex(small.requests[0]!.cdb), hex(naiveReadCapacity10()));
  const large = new FakeScsiTransport([good([0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0]), good(READ_CAPACITY_16)]);
  const c16 = await new ScsiDevice(large, 0).readCapacity();
  assert.equal(c16.command, 'READ CAPACITY(16)');
  assert.equal(c16.sizeBytes, 16n * 1024n ** 4n);
  assert.deepEqual(
    large.requests.map((r) => [hex(r.cdb), r.dataInLength]),
    [
      [hex(naiveReadCapacity10()), 8],
      [hex(naiveReadCapacity16(32)), 32],
    ],
  );
});

test('PROUT wrappers send the CDB and the 24-byte parameter list the spec describes', async () => {
  const transport = new FakeScsiTransport(Array.from({ length: 9 }, () => good()));
  const device = new ScsiDevice(transport, 2);
  const A = 0x434c50524f424501n;
  const B = 0x434c50524f424502n;
  await device.register({ saKey: A });
  await device.register({ key: A, saKey: 0n, aptpl: true });
  await device.registerAndIgnore({ saKey: B, allTgPt: true });
  await device.reserve({ key: A, type: PR_TYPE.WERO });
  await device.release({ key: A, type: PR_TYPE.WERO });
  await device.clear({ key: A });
  await device.preempt({ key: B, saKey: A, type: PR_TYPE.WERO });
  await device.preemptAndAbort({ key: B, saKey: A, type: PR_TYPE.EAAR });
  await device.prOut(PROUT_SERVICE_ACTION.REGISTER, {
    key: A,
    saKey: B,
    specIPT: true,
    transportIds: [buildIscsiTransportId({ iscsiName: 'iqn.x:y' })],
  });
  const expected = [
    [naivePrOut(0, 0, 0, 24), naiveProutParameters(0n, A, false, false, false)],
    [naivePrOut(0, 0, 0, 24), naiveProutParameters(A, 0n, false, false, true)],
    [naivePrOut(6, 0, 0, 24), naiveProutParameters(0n, B, false, true, false)],
    [naivePrOut(1, 0, 5, 24), naiveProutParameters(A, 0n, false, false, false)],
    [naivePrOut(2, 0, 5, 24), naiveProutParameters(A, 0n, false, false, false)],
    [naivePrOut(3, 0, 0, 24), naiveProutParameters(A, 0n, false, false, false)],
    [naivePrOut(4, 0, 5, 24), naiveProutParameters(B, A, false, false, false)],
    [naivePrOut(5, 0, 8, 24), naiveProutParameters(B, A, false, false, false)],
  ];
  for (const [i, [cdb, data]] of expected.entries()) {
    assert.equal(hex(transport.requests[i]!.cdb), hex(cdb!), `CDB ${i}`);
    assert.equal(hex(transport.requests[i]!.dataOut!), hex(data!), `parameter list ${i}`);
    assert.equal(transport.requests[i]!.dataInLength, 0);
    assert.equal(transport.requests[i]!.lun, 2);
  }
  const specIpt = transport.requests[8]!;
  assert.equal(specIpt.dataOut!.length, 24 + 4 + 24);
  assert.equal(hex(specIpt.cdb), hex(naivePrOut(0, 0, 0, 52)));
});

test('REGISTER AND MOVE goes through registerAndMove(), not prOut()', async () => {
  const transport = new FakeScsiTransport([good()]);
  const device = new ScsiDevice(transport, 0);
  const transportId = buildIscsiTransportId({
    iscsiName: 'iqn.1991-05.com.microsoft:nodeb',
    isid: Uint8Array.of(0x80, 1, 2, 3, 0, 2),
  });
  await device.registerAndMove({
    key: 1n,
    saKey: 2n,
    type: PR_TYPE.WERO,
    unreg: true,
    relativeTargetPortIdentifier: 1,
    transportId,
  });
  const [req] = transport.requests;
  assert.equal(hex(req!.cdb), hex(naivePrOut(7, 0, 5, 24 + transportId.length)));
  assert.equal(hex(req!.dataOut!), hex(naiveRegisterAndMove(1n, 2n, true, false, 1, [...transportId])));
  await assert.rejects(device.prOut(PROUT_SERVICE_ACTION.REGISTER_AND_MOVE, {}), RangeError);
});

test('the AbortSignal reaches the transport, and an aborted signal stops before sending or retrying', async () => {
  const controller = new AbortController();
  const transport = new FakeScsiTransport([good(VPD_DEVICE_ID_LIO)]);
  const device = new ScsiDevice(transport, 0);
  await device.deviceIdentification({ signal: controller.signal });
  assert.equal(transport.requests[0]!.signal, controller.signal);
  controller.abort();
  await assert.rejects(device.inquiry({ signal: controller.signal }), { name: 'AbortError' });
  assert.equal(transport.requests.length, 1);
  const retrying = new AbortController();
  const uaThenAbort = new FakeScsiTransport([
    () => {
      retrying.abort();
      return checkCondition(UA_POWER_ON);
    },
    good(STANDARD_INQUIRY),
  ]);
  await assert.rejects(new ScsiDevice(uaThenAbort, 0).inquiry({ signal: retrying.signal }), { name: 'AbortError' });
  assert.equal(uaThenAbort.requests.length, 1);
});

test('a LUN outside 0..16383 is refused at construction', () => {
  const transport = new FakeScsiTransport([]);
  assert.throws(() => new ScsiDevice(transport, 16384), RangeError);
  assert.throws(() => new ScsiDevice(transport, -1), RangeError);
  assert.throws(() => new ScsiDevice(transport, 1.5), RangeError);
});
