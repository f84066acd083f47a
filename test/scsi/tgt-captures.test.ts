/**
 * Against real captures from tgt (test/fixtures/tgt/*.json, written by test/lab/capture.ts with
 * libiscsi as the initiator): every CDB libiscsi sent is rebuilt from its own fields by our
 * builders and must come out byte for byte the same; every data-in and sense the target sent
 * must decode, and be incomplete only where the allocation length cut it. Skipped until the
 * captures exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  buildInquiryCdb,
  buildPersistentReserveInCdb,
  buildPersistentReserveOutCdb,
  buildProutParameterList,
  buildReadCapacity10Cdb,
  buildReadCapacity16Cdb,
  buildReportLunsCdb,
  buildTestUnitReadyCdb,
  decodeDeviceIdentification,
  decodePrReadFullStatus,
  decodePrReadKeys,
  decodePrReadReservation,
  decodePrReportCapabilities,
  decodeReadCapacity10,
  decodeReadCapacity16,
  decodeReportLuns,
  decodeSense,
  decodeStandardInquiry,
  decodeSupportedVpdPages,
  decodeUnitSerialNumber,
  ScsiCheckCondition,
  ScsiDevice,
  ScsiStatusError,
} from '../../src/scsi/index.ts';
import { checkCondition, FakeScsiTransport, good, status } from './support/fake-transport.ts';
import { hex, hexBytes } from './support/naive.ts';

interface CapturedExchange {
  readonly name: string;
  readonly cdb: string;
  readonly dataOut?: string;
  readonly dataIn?: string;
  readonly statusCode: number;
  readonly sense?: string;
  readonly senseDecoded?: string;
}

const dir = new URL('../fixtures/tgt/', import.meta.url);
const present = existsSync(dir);
const skip = !present && 'no captures in test/fixtures/tgt yet';

function load(): { file: string; entry: CapturedExchange }[] {
  const out: { file: string; entry: CapturedExchange }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { entries?: unknown[] };
    for (const entry of json.entries ?? [])
      if (typeof entry === 'object' && entry !== null && typeof (entry as CapturedExchange).cdb === 'string')
        out.push({ file, entry: entry as CapturedExchange });
  }
  return out;
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

/** Our builder's CDB for the same command and fields; undefined for commands we do not build. */
function rebuild(cdb: Uint8Array): Uint8Array | undefined {
  switch (cdb[0]) {
    case 0x00:
      return buildTestUnitReadyCdb();
    case 0x12:
      if ((cdb[1]! & 0x01) === 0 && cdb[2] !== 0) return undefined;
      return buildInquiryCdb({
        allocationLength: u16(cdb, 3),
        ...((cdb[1]! & 0x01) !== 0 ? { vpdPage: cdb[2]! } : {}),
      });
    case 0x25:
      return buildReadCapacity10Cdb();
    case 0x9e:
      return (cdb[1]! & 0x1f) === 0x10 ? buildReadCapacity16Cdb(u32(cdb, 10)) : undefined;
    case 0xa0:
      return buildReportLunsCdb({ allocationLength: u32(cdb, 6), selectReport: cdb[2]! });
    case 0x5e:
      return buildPersistentReserveInCdb(cdb[1]! & 0x1f, u16(cdb, 7));
    case 0x5f:
      return buildPersistentReserveOutCdb({
        serviceAction: cdb[1]! & 0x1f,
        scope: cdb[2]! >> 4,
        type: cdb[2]! & 0x0f,
        parameterListLength: u32(cdb, 5),
      });
    default:
      return undefined;
  }
}

interface Decoded {
  readonly complete: boolean;
}

/** Our decoder for the data-in of this CDB; undefined for data we do not decode. */
function decoderFor(cdb: Uint8Array): ((b: Uint8Array) => Decoded) | undefined {
  switch (cdb[0]) {
    case 0x12:
      if ((cdb[1]! & 0x01) === 0) return decodeStandardInquiry;
      return (
        { 0x00: decodeSupportedVpdPages, 0x80: decodeUnitSerialNumber, 0x83: decodeDeviceIdentification } as Record<
          number,
          (b: Uint8Array) => Decoded
        >
      )[cdb[2]!];
    case 0x25:
      return (b) => ({ ...decodeReadCapacity10(b), complete: true });
    case 0x9e:
      return (b) => ({ ...decodeReadCapacity16(b), complete: true });
    case 0xa0:
      return decodeReportLuns;
    case 0x5e:
      return (
        [decodePrReadKeys, decodePrReadReservation, decodePrReportCapabilities, decodePrReadFullStatus] as ((
          b: Uint8Array,
        ) => Decoded)[]
      )[cdb[1]! & 0x1f];
    default:
      return undefined;
  }
}

function allocationLength(cdb: Uint8Array): number {
  switch (cdb[0]) {
    case 0x12:
      return u16(cdb, 3);
    case 0xa0:
      return u32(cdb, 6);
    case 0x9e:
      return u32(cdb, 10);
    case 0x5e:
      return u16(cdb, 7);
    case 0x25:
      return 8;
    default:
      return 0;
  }
}

test('tgt captures: our builders reproduce every CDB libiscsi sent, byte for byte', { skip }, () => {
  let compared = 0;
  for (const { file, entry } of load()) {
    const cdb = hexBytes(entry.cdb);
    const ours = rebuild(cdb);
    if (!ours) continue;
    assert.equal(hex(ours), hex(cdb.subarray(0, ours.length)), `${file}: ${entry.name}`);
    compared++;
  }
  assert.ok(compared > 0, 'the captures hold commands we build');
});

test('tgt captures: PROUT parameter lists match buildProutParameterList from their own fields', { skip }, () => {
  for (const { file, entry } of load()) {
    const cdb = hexBytes(entry.cdb);
    if (cdb[0] !== 0x5f || entry.dataOut === undefined || (cdb[1]! & 0x1f) === 7) continue;
    const data = hexBytes(entry.dataOut);
    if (data.length !== 24) continue;
    const key = (o: number) => (BigInt(u32(data, o)) << 32n) | BigInt(u32(data, o + 4));
    const ours = buildProutParameterList({
      reservationKey: key(0),
      serviceActionReservationKey: key(8),
      specIPT: (data[20]! & 0x08) !== 0,
      allTgPt: (data[20]! & 0x04) !== 0,
      aptpl: (data[20]! & 0x01) !== 0,
    });
    assert.equal(hex(ours), hex(data), `${file}: ${entry.name}`);
  }
});

test('tgt captures: every data-in decodes, incomplete only where the allocation length cut it', { skip }, () => {
  let decoded = 0;
  for (const { file, entry } of load()) {
    if (entry.statusCode !== 0 || entry.dataIn === undefined) continue;
    const cdb = hexBytes(entry.cdb);
    const decode = decoderFor(cdb);
    if (!decode) continue;
    const data = hexBytes(entry.dataIn);
    const result = decode(data);
    assert.ok(
      result.complete || data.length >= allocationLength(cdb),
      `${file}: ${entry.name}: short data without a short allocation`,
    );
    decoded++;
  }
  assert.ok(decoded > 0, 'the captures hold data we decode');
});

test('tgt captures: every sense decodes to the key/ASC/ASCQ the capture notes give', { skip }, () => {
  for (const { file, entry } of load()) {
    if (entry.sense === undefined) continue;
    const sense = decodeSense(hexBytes(entry.sense));
    const [triple] = (entry.senseDecoded ?? '').split(' ');
    if (triple && /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{2}$/iu.test(triple)) {
      const h2 = (n: number | undefined) => (n ?? -1).toString(16).padStart(2, '0');
      assert.equal(
        `${h2(sense.senseKey)}/${h2(sense.asc)}/${h2(sense.ascq)}`,
        triple.toLowerCase(),
        `${file}: ${entry.name}`,
      );
    }
    assert.ok(
      !sense.ascName?.startsWith('ASC 0x'),
      `${file}: ${entry.name}: ${sense.ascName} deserves a name in ASC_NAMES`,
    );
  }
});

// ---- what tgt 1.0.85 says, per command (expectations from the fixtures' own fields and notes) ----

function entries(file: string): CapturedExchange[] {
  const json = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
    entries: (CapturedExchange & { target: string; lun: number; notes: string })[];
  };
  return json.entries;
}

test('tgt captures: standard INQUIRY per device type, vendor IET, SPC-3', { skip }, () => {
  const types: Record<string, [number, string]> = {
    controller: [0x0c, 'storage array controller device'],
    disk: [0x00, 'direct access block device'],
    CD: [0x05, 'CD/DVD device'],
    tape: [0x01, 'sequential access device'],
  };
  let seen = 0;
  for (const e of entries('inquiry.json')) {
    const kind = /, (controller|disk|CD|tape) LUN/u.exec(e.name)?.[1];
    if (!kind || e.dataIn === undefined) continue;
    const inq = decodeStandardInquiry(hexBytes(e.dataIn));
    assert.deepEqual([inq.peripheralDeviceType, inq.peripheralDeviceTypeName], types[kind], e.name);
    assert.equal(inq.t10VendorIdentification, 'IET');
    assert.equal(inq.versionName, 'SPC-3');
    assert.equal(inq.rmb, kind === 'CD' || kind === 'tape', `${e.name}: RMB`);
    seen++;
  }
  assert.ok(seen >= 4);
});

test(
  'tgt captures: INQUIRY and REPORT LUNS re-issued by libiscsi with exactly the `needed` we compute',
  { skip },
  () => {
    for (const [file, decode, allocation] of [
      ['inquiry.json', decodeStandardInquiry, (c: Uint8Array) => u16(c, 3)],
      ['report-luns.json', decodeReportLuns, (c: Uint8Array) => u32(c, 6)],
    ] as const) {
      const list = entries(file);
      let pairs = 0;
      for (let i = 0; i + 1 < list.length; i++) {
        const first = list[i]!;
        const again = list[i + 1]!;
        if (first.dataIn === undefined || again.dataIn === undefined) continue;
        const short = decode(hexBytes(first.dataIn));
        if (short.complete) continue;
        assert.equal(
          allocation(hexBytes(again.cdb)),
          short.needed,
          `${file}: ${first.name} re-issued with the reported length`,
        );
        assert.equal(decode(hexBytes(again.dataIn)).complete, true);
        pairs++;
      }
      assert.ok(pairs > 0, `${file} holds a short first read and its re-issue`);
    }
  },
);

test(
  'tgt captures: REPORT LUNS of the main target lists LUNs 0-3; READ CAPACITY matches the LUN sizes in the notes',
  { skip },
  () => {
    const lists = entries('report-luns.json')
      .filter((e) => e.dataIn !== undefined)
      .map((e) => decodeReportLuns(hexBytes(e.dataIn!)))
      .filter((r) => r.complete);
    assert.ok(lists.some((r) => r.luns.map((l) => l.lun).join() === '0,1,2,3'));
    let sized = 0;
    for (const e of entries('read-capacity.json') as (CapturedExchange & { notes: string })[]) {
      const mib = /, (\d+) MiB/u.exec(e.notes)?.[1];
      if (e.statusCode !== 0 || e.dataIn === undefined || mib === undefined) continue;
      const cdb = hexBytes(e.cdb);
      const c = cdb[0] === 0x25 ? decodeReadCapacity10(hexBytes(e.dataIn)) : decodeReadCapacity16(hexBytes(e.dataIn));
      assert.equal(c.sizeBytes, BigInt(mib) * 1024n * 1024n, e.name);
      sized++;
    }
    assert.ok(sized > 0);
  },
);

test('tgt captures: VPD 0x83 of a disk has a T10 vendor ID and NAA designators for the logical unit', { skip }, () => {
  const disk = entries('vpd.json').find((e) => e.name.startsWith('INQUIRY VPD 0x83, disk') && e.dataIn !== undefined);
  assert.ok(disk);
  const page = decodeDeviceIdentification(hexBytes(disk.dataIn!));
  assert.ok(page.designators.some((d) => d.designatorType === 1 && d.t10VendorIdentification === 'IET'));
  assert.ok(page.designators.filter((d) => d.designatorType === 3).length >= 1);
  assert.ok(page.designators.every((d) => d.association === 'logical-unit'));
});

test(
  'tgt captures: PR IN data as tgt reports it (TMV with six types; READ KEYS counts; READ RESERVATION types)',
  { skip },
  () => {
    for (const e of entries('persistent-reserve-in.json')) {
      if (e.statusCode !== 0 || e.dataIn === undefined) continue;
      const cdb = hexBytes(e.cdb);
      const data = hexBytes(e.dataIn);
      const sa = cdb[1]! & 0x1f;
      if (sa === 2) {
        const caps = decodePrReportCapabilities(data);
        assert.equal(caps.tmv, true);
        assert.deepEqual([...caps.supportedTypes!].sort(), [1, 3, 5, 6, 7, 8]);
      } else if (sa === 0) {
        const keys = decodePrReadKeys(data);
        assert.equal(
          keys.keys.length,
          keys.complete ? keys.additionalLength / 8 : Math.floor((data.length - 8) / 8),
          e.name,
        );
      } else if (sa === 1) {
        const r = decodePrReadReservation(data);
        if (r.present) {
          assert.ok([1, 3, 5, 6, 7, 8].includes(r.type!), `${e.name}: type ${r.type}`);
          if (r.type === 7 || r.type === 8) assert.equal(r.reservationKey, 0n, 'all-registrants types read key 0');
        }
      }
    }
  },
);

test('tgt captures: the UNIT ATTENTION and refusals tgt sends, through ScsiDevice', { skip }, async () => {
  const senses = entries('sense.json').filter((e) => e.sense !== undefined);
  const find = (triple: string) => senses.find((e) => e.senseDecoded?.startsWith(triple));
  const ua = find('06/29/00');
  assert.ok(ua, 'tgt sends 29/00 on the first command of a session');
  const transport = new FakeScsiTransport([checkCondition([...hexBytes(ua.sense!)]), good()]);
  const device = new ScsiDevice(transport, 0);
  await device.testUnitReady();
  assert.deepEqual(device.unitAttentions, [
    { asc: 0x29, ascq: 0, name: 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED', command: 'TEST UNIT READY' },
  ]);
  const fullStatus = senses.find((e) => e.name.startsWith('PERSISTENT RESERVE IN READ FULL STATUS'));
  assert.ok(fullStatus, 'tgt refuses READ FULL STATUS');
  const refused = new FakeScsiTransport([checkCondition([...hexBytes(fullStatus.sense!)])]);
  await assert.rejects(
    new ScsiDevice(refused, 1).prReadFullStatus(),
    (e: unknown) =>
      e instanceof ScsiCheckCondition && e.senseKey === 5 && e.asc === 0x24 && e.ascName === 'INVALID FIELD IN CDB',
  );
  const cd = find('05/20/00');
  assert.ok(
    cd && decodeSense(hexBytes(cd.sense!)).ascName === 'INVALID COMMAND OPERATION CODE',
    'PR on a CD LUN: invalid operation code',
  );
  for (const triple of ['06/2a/03', '06/2a/04'])
    if (find(triple))
      assert.match(decodeSense(hexBytes(find(triple)!.sense!)).ascName!, /^RESERVATIONS (PREEMPTED|RELEASED)$/u);
  const conflict = entries('sense.json').find((e) => e.statusCode === 0x18);
  assert.ok(conflict, 'RESERVATION CONFLICT captured');
  const rc = new FakeScsiTransport([status(0x18)]);
  await assert.rejects(
    new ScsiDevice(rc, 1).execute(hexBytes(conflict.cdb), {
      dataOut: conflict.dataOut ? hexBytes(conflict.dataOut) : new Uint8Array(0),
    }),
    (e: unknown) => e instanceof ScsiStatusError && e.statusName === 'RESERVATION CONFLICT',
  );
});
