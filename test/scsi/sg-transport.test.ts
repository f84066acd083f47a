/**
 * SgTransport without a device: real sg3_utils output recorded against tgt (test/fixtures/sg3,
 * made by test/lab/record-sg3.ts through sgshim/sgbridge) is replayed through ScsiDevice; the argv
 * the transport builds must match the recording exactly. Exit statuses the lab cannot provoke
 * (NOT READY, BUSY...) are tested with a synthetic runner and say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildPersistentReserveInCdb,
  buildPersistentReserveOutCdb,
  PR_TYPE,
  ScsiCheckCondition,
  ScsiDevice,
  ScsiStatusError,
  ScsiUnitAttentionError,
} from '../../src/scsi/index.ts';
import {
  execFileRunner,
  parseSgHexDump,
  parseSgRawSense,
  SgTransport,
  SgTransportError,
  type SgRunner,
  type SgRunResult,
} from '../../src/scsi/sg-transport.ts';
import {
  FIXTURE_DIR,
  fromInvocation,
  identifyScenario,
  isCheck,
  isConflict,
  KEY_A,
  KEY_B,
  noDeviceScenario,
  notImplementedScenario,
  prSequenceScenario,
  replayRunner,
  SG3_DEVICE_A,
  type Sg3Fixture,
} from '../lab/record-sg3.ts';

function fixture(name: string): Sg3Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Sg3Fixture;
}

function replay(name: string): { make: (device: string) => ScsiDevice; remaining: () => number } {
  const run = replayRunner(fixture(name).invocations);
  return { make: (device) => new ScsiDevice(new SgTransport({ device, run }), 0), remaining: run.remaining };
}

function sgError(e: unknown, code: string): SgTransportError {
  assert.ok(e instanceof SgTransportError, `expected SgTransportError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return e;
}

test('replay identify: INQUIRY, VPD pages, READ CAPACITY decode from sg_inq/sg_readcap raw output', async () => {
  const r = replay('identify');
  const result = await identifyScenario(r.make);
  assert.equal(r.remaining(), 0);
  assert.equal(result.inquiry.productIdentification, 'VIRTUAL-DISK');
  assert.equal(result.inquiry.peripheralDeviceType, 0);
  assert.ok(result.vpdPages.pages.includes(0x83), `pages ${result.vpdPages.pages.join(',')}`);
  assert.ok(result.serial.productSerialNumber.length > 0);
  assert.ok(result.identification.designators.length > 0);
  assert.equal(result.capacity.sizeBytes, 16n * 1024n * 1024n);
  assert.equal(result.capacity16.sizeBytes, result.capacity.sizeBytes);
  assert.deepEqual(
    result.luns.luns.map((l) => l.lun),
    [0],
  );
});

test('replay pr-sequence: two paths, reservation, conflict, preempt with unit attention, cleanup', async () => {
  const r = replay('pr-sequence');
  const s = await prSequenceScenario(r.make);
  assert.equal(r.remaining(), 0);
  assert.deepEqual(s.keysBefore.keys, []);
  assert.deepEqual(s.keysRegistered.keys, [KEY_A, KEY_B]);
  assert.equal(s.capabilities.length, 8);
  assert.deepEqual(
    [s.reservationSeenByB.present, s.reservationSeenByB.reservationKey, s.reservationSeenByB.type],
    [true, KEY_A, PR_TYPE.WERO],
  );
  assert.ok(isConflict(s.conflict), String(s.conflict));
  // sg_persist exit 6, its -vv raw sense 70 00 06 ... 2a 03: retried by ScsiDevice.
  assert.deepEqual(
    s.unitAttentionsOfA.map((u) => [u.asc, u.ascq]),
    [[0x2a, 0x03]],
  );
  assert.deepEqual(s.keysAfterPreempt.keys, [KEY_B]);
  assert.deepEqual([s.reservationAfterPreempt.reservationKey, s.reservationAfterPreempt.type], [KEY_B, PR_TYPE.WERO]);
  // tgt 1.0.85 does not implement READ FULL STATUS: ILLEGAL REQUEST, INVALID FIELD IN CDB (sg_persist exit 5).
  assert.ok(isCheck(s.fullStatus, 5, 0x24, 0x00), String(s.fullStatus));
  assert.deepEqual(s.keysAfter.keys, []);
  assert.ok(s.keysAfter.prGeneration > s.keysBefore.prGeneration);
});

test('replay pr-not-implemented: sg_persist exit 9 becomes 05/20/00 from the real sense bytes', async () => {
  const e = await notImplementedScenario(replay('pr-not-implemented').make);
  assert.ok(e instanceof ScsiCheckCondition);
  assert.equal(e.senseHex, '700005000000000a00000000200000000000');
  assert.equal(e.ascName, 'INVALID COMMAND OPERATION CODE');
});

test('replay no-device: a missing node (exit 52) and a node that refuses SG_IO (exit 75) are typed errors', async () => {
  const { missing, notScsi } = await noDeviceScenario(replay('no-device').make);
  const m = sgError(missing, 'ESGDEVICE');
  assert.equal(m.errno, 'ENOENT');
  assert.equal(m.exitCode, 52);
  assert.match(m.message, /sg-clusterprobe-missing cannot be opened/);
  assert.match(m.remedy, /storage\.devices/);
  const n = sgError(notScsi, 'ESGDEVICE');
  assert.equal(n.errno, 'ENOTTY');
  assert.match(n.message, /\/dev\/null is not a SCSI device/);
});

test('replay permission-denied: exit 63 (EACCES) names the device and the disk group', async () => {
  const f = fixture('permission-denied');
  const device = f.invocations[0]!.args.at(-1)!;
  const e = await new ScsiDevice(new SgTransport({ device, run: replayRunner(f.invocations) }), 0).prReadKeys().then(
    () => undefined,
    (x: unknown) => x,
  );
  const err = sgError(e, 'ESGDEVICE');
  assert.equal(err.errno, 'EACCES');
  assert.match(err.remedy, /"disk"/);
});

// ---------------------------------------------------------------------------------------------
// Synthetic runner: statuses the lab cannot produce (no real output behind these).

function fake(
  code: number | null,
  stdout = '',
  stderr = '',
  extra: Partial<SgRunResult> = {},
): { run: SgRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (file, args) => {
      calls.push([file, ...args]);
      return { code, stdout: Buffer.from(stdout, 'latin1'), stderr, ...extra };
    },
  };
}

const readKeysCdb = buildPersistentReserveInCdb(0, 1024);

const EXIT_CASES: [number, { status: number; senseKey?: number; asc?: number; ascq?: number }][] = [
  [2, { status: 0x02, senseKey: 0x2 }],
  [3, { status: 0x02, senseKey: 0x3 }],
  [5, { status: 0x02, senseKey: 0x5 }],
  [6, { status: 0x02, senseKey: 0x6 }],
  [7, { status: 0x02, senseKey: 0x7 }],
  [9, { status: 0x02, senseKey: 0x5, asc: 0x20, ascq: 0x00 }],
  [11, { status: 0x02, senseKey: 0xb }],
  [20, { status: 0x02, senseKey: 0x0 }],
  [22, { status: 0x02, senseKey: 0x5, asc: 0x21, ascq: 0x00 }],
  [24, { status: 0x18 }],
  [26, { status: 0x08 }],
  [27, { status: 0x28 }],
  [29, { status: 0x40 }],
];

for (const [code, want] of EXIT_CASES) {
  test(`exit status ${code} without sense on stderr: status 0x${want.status.toString(16)}${want.senseKey !== undefined ? `, sense key ${want.senseKey}` : ''}`, async () => {
    const t = new SgTransport({ device: '/dev/sdz', run: fake(code).run });
    const r = await t.execute({ lun: 0, cdb: readKeysCdb, dataInLength: 1024 });
    assert.equal(r.status, want.status);
    assert.equal(r.data.length, 0);
    assert.equal(r.residual, 1024);
    if (want.senseKey === undefined) return assert.equal(r.sense, undefined);
    assert.equal(r.sense![0], 0x70);
    assert.equal(r.sense![2], want.senseKey);
    if (want.asc === undefined) assert.equal(r.sense!.length, 8, 'ASC unknown: no ASC field');
    else assert.deepEqual([r.sense![12], r.sense![13]], [want.asc, want.ascq]);
  });
}

test('through ScsiDevice: exit 24 is ScsiStatusError, exit 2 is a NOT READY check condition, exit 6 repeated is ScsiUnitAttentionError', async () => {
  const dev = (code: number) => new ScsiDevice(new SgTransport({ device: '/dev/sdz', run: fake(code).run }), 0);
  await assert.rejects(
    dev(24).register({ key: 0n, saKey: 1n }),
    (e: unknown) => e instanceof ScsiStatusError && e.status === 0x18,
  );
  await assert.rejects(dev(2).testUnitReady(), (e: unknown) => e instanceof ScsiCheckCondition && e.senseKey === 2);
  await assert.rejects(dev(6).prReadKeys(), (e: unknown) => e instanceof ScsiUnitAttentionError && e.attempts === 4);
});

test('the real raw sense on stderr is preferred to the exit status', async () => {
  const stderr =
    'Persistent reservation in:\n Raw sense data (in hex), sb_len=18, embedded_len=18\n        70 00 02 00 00 00 00 0a  00 00 00 00 04 0b 00 00\n        00 00\n';
  const r = await new SgTransport({ device: '/dev/sdz', run: fake(2, '', stderr).run }).execute({
    lun: 0,
    cdb: readKeysCdb,
    dataInLength: 1024,
  });
  assert.deepEqual([r.sense![2], r.sense![12], r.sense![13]], [2, 0x04, 0x0b]);
  assert.equal(
    parseSgRawSense('Raw sense data (in hex), sb_len=18, embedded_len=18\n        70 00\n'),
    undefined,
    'cut short: not used',
  );
});

test('timeouts, transport errors and syntax errors are typed errors', async () => {
  const t = (code: number | null, extra: Partial<SgRunResult> = {}) =>
    new SgTransport({ device: '/dev/sdz', run: fake(code, '', 'some error', extra).run }).execute({
      lun: 0,
      cdb: readKeysCdb,
      dataInLength: 8,
    });
  sgError(await t(null, { timedOut: true }).catch((e: unknown) => e), 'ESGTIMEOUT');
  sgError(await t(33).catch((e: unknown) => e), 'ESGTIMEOUT');
  sgError(await t(99).catch((e: unknown) => e), 'ESGTOOL');
  sgError(await t(1).catch((e: unknown) => e), 'ESGTOOL');
  sgError(await t(97).catch((e: unknown) => e), 'ESGOUTPUT');
  sgError(await t(null).catch((e: unknown) => e), 'ESGTOOL');
});

test('a missing sg_persist binary (spawn ENOENT, real) is ESGTOOLMISSING naming the device and sg3-utils', async () => {
  const t = new SgTransport({ device: '/dev/sdz', env: { PATH: '/nonexistent-clusterprobe' }, run: execFileRunner });
  const e = sgError(
    await t.execute({ lun: 0, cdb: readKeysCdb, dataInLength: 8 }).catch((x: unknown) => x),
    'ESGTOOLMISSING',
  );
  assert.match(e.message, /sg_persist cannot be run \(ENOENT\) for \/dev\/sdz/);
  assert.match(e.remedy, /sg3-utils/);
});

test('an aborted signal rejects with its reason and runs nothing', async () => {
  const f = fake(0);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(
    new SgTransport({ device: '/dev/sdz', run: f.run }).execute({
      lun: 0,
      cdb: readKeysCdb,
      dataInLength: 8,
      signal: ac.signal,
    }),
    /stop/,
  );
  assert.equal(f.calls.length, 0);
});

test('garbage on stdout is ESGOUTPUT, never a crash: random bytes, a truncated dump, a wrong length', async () => {
  const recorded = fromInvocation(fixture('pr-sequence').invocations[3]!); // READ KEYS with two keys
  const text = recorded.stdout.toString('latin1');
  assert.equal(parseSgHexDump(text)?.length, 24);
  const outputs = [
    Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)).toString('latin1'),
    text.split('\n')[0]!, // first line only: 16 of 24 bytes
    text.replace(/ 10 {5}/, ' 20     '), // offsets do not follow
    ' 00     00 00 00 00 00 00 00 ff\n', // ADDITIONAL LENGTH 255, no keys
    'PR generation=0x2, Additional length=16\n',
  ];
  for (const out of outputs) {
    const device = new ScsiDevice(new SgTransport({ device: '/dev/sdz', run: fake(0, out).run }), 0);
    const e = await device.prReadKeys().then(
      () => undefined,
      (x: unknown) => x,
    );
    sgError(e, 'ESGOUTPUT');
  }
  const shortCapacity = new SgTransport({ device: '/dev/sdz', run: fake(0, '\x00\x01\x02').run });
  sgError(
    await shortCapacity
      .execute({ lun: 0, cdb: Uint8Array.of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), dataInLength: 8 })
      .catch((x: unknown) => x),
    'ESGOUTPUT',
  );
});

test('argv: the device is one element, keys and flags come from the CDB and parameter list, the LUN is ignored', async () => {
  const f = fake(0);
  const device = new ScsiDevice(new SgTransport({ device: '/dev/disk/by-id/wwn-0x6000 x;$(rm -rf)', run: f.run }), 5);
  await device.register({ key: 0n, saKey: 0x1234n, aptpl: true, allTgPt: true });
  await device.preemptAndAbort({ key: 1n, saKey: 2n, type: PR_TYPE.EA });
  assert.deepEqual(f.calls, [
    [
      'sg_persist',
      '-n',
      '--out',
      '--register',
      '--param-rk=0x0000000000000000',
      '--param-sark=0x0000000000001234',
      '--prout-type=0',
      '--param-alltgpt',
      '--param-aptpl',
      '-vv',
      '/dev/disk/by-id/wwn-0x6000 x;$(rm -rf)',
    ],
    [
      'sg_persist',
      '-n',
      '--out',
      '--preempt-abort',
      '--param-rk=0x0000000000000001',
      '--param-sark=0x0000000000000002',
      '--prout-type=3',
      '-vv',
      '/dev/disk/by-id/wwn-0x6000 x;$(rm -rf)',
    ],
  ]);
});

test("PRIN allocation lengths above sg_persist's 8192 are capped; the CDB sg_persist echoes for PROUT must be ours", async () => {
  const f = fake(0, ' 00     00 00 00 00 00 00 00 00\n');
  await new SgTransport({ device: '/dev/sdz', run: f.run }).execute({
    lun: 0,
    cdb: buildPersistentReserveInCdb(0, 0xffff),
    dataInLength: 0xffff,
  });
  assert.ok(f.calls[0]!.includes('--maxlen=8192'));
  const other = fake(0, '', '    Persistent reservation out cdb: [5f 01 03 00 00 00 00 00 18 00]\n');
  const e = await new ScsiDevice(new SgTransport({ device: '/dev/sdz', run: other.run }), 0)
    .reserve({ key: 1n, type: PR_TYPE.WERO })
    .catch((x: unknown) => x);
  sgError(e, 'ESGOUTPUT');
});

test('refused without running anything: CLEAR, REGISTER AND MOVE, SPEC_I_PT, READ(10), a relative device path', async () => {
  const f = fake(0);
  const t = new SgTransport({ device: '/dev/sdz', run: f.run });
  const device = new ScsiDevice(t, 0);
  sgError(await device.clear({ key: 1n }).catch((e: unknown) => e), 'ESGUNSUPPORTED');
  sgError(
    await device.register({ saKey: 1n, specIPT: true, transportIds: [new Uint8Array(24)] }).catch((e: unknown) => e),
    'ESGUNSUPPORTED',
  );
  const move = buildPersistentReserveOutCdb({ serviceAction: 7, type: 5, parameterListLength: 24 });
  sgError(
    await t.execute({ lun: 0, cdb: move, dataInLength: 0, dataOut: new Uint8Array(24) }).catch((e: unknown) => e),
    'ESGUNSUPPORTED',
  );
  const read10 = await t
    .execute({ lun: 0, cdb: Uint8Array.of(0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0), dataInLength: 512 })
    .catch((e: unknown) => e);
  assert.match(sgError(read10, 'ESGUNSUPPORTED').message, /operation code 0x28/);
  assert.equal(f.calls.length, 0);
  assert.throws(() => new SgTransport({ device: 'sdb' }), RangeError);
  assert.throws(() => new SgTransport({ device: '--help' }), RangeError);
});

test('REPORT LUNS: one LUN 0, answered without running a tool', async () => {
  const f = fake(0);
  const luns = await new ScsiDevice(new SgTransport({ device: SG3_DEVICE_A, run: f.run }), 0).reportLuns();
  assert.deepEqual(
    luns.luns.map((l) => l.lun),
    [0],
  );
  assert.equal(f.calls.length, 0);
});

test('READ CAPACITY(10) that sg_readcap answered with (16) after an invalid opcode is reported as 05/20/00', async () => {
  const stderr =
    '    read capacity(10) cdb: [25 00 00 00 00 00 00 00 00 00]\n    read capacity(16) cdb: [9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00]\n';
  const run = fake(0, '\x00'.repeat(32), stderr).run;
  await assert.rejects(new ScsiDevice(new SgTransport({ device: '/dev/sdz', run }), 0).readCapacity(), (e: unknown) =>
    isCheck(e, 5, 0x20, 0),
  );
});
