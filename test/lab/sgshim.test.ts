/**
 * SgTransport end to end with the real sg3_utils binaries against a real tgt: sgshim.so makes
 * /dev/sg-clusterprobe-a and -b openable and sgbridge runs their SG_IO on two libiscsi sessions
 * (two initiator names, so two I_T nexuses) to one LUN. The PR state is cross-checked with prtool
 * (test/lab/libiscsi.ts), a third, independent initiator.
 *
 *   sh scripts/with-node.sh sh test/lab/netns.sh node --test test/lab/sgshim.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ScsiDevice } from '../../src/scsi/index.ts';
import { SgTransport } from '../../src/scsi/sg-transport.ts';
import { iscsiUrl, startTgt, type TgtLab } from './tgt.ts';
import { prKeys } from './libiscsi.ts';
import { startSgBridge, type SgBridge } from './sgshim.ts';
import {
  identifyScenario,
  isCheck,
  isConflict,
  KEY_A,
  KEY_B,
  noDeviceScenario,
  notImplementedScenario,
  prSequenceScenario,
  SG3_DEVICE_A,
  SG3_DEVICE_B,
  SG3_DEVICE_CD,
} from './record-sg3.ts';

const TARGET = 'iqn.2026-11.test.clusterprobe:sgshim';
let lab: TgtLab;
let bridge: SgBridge;
let url: string;

const hexKey = (k: bigint) => `0x${k.toString(16).padStart(16, '0')}`;
const make = (device: string) => new ScsiDevice(new SgTransport({ device, env: bridge.env }), 0);

before(async () => {
  lab = await startTgt();
  const tid = await lab.addTarget(TARGET);
  await lab.addLun(tid, 1, { sizeMiB: 16 });
  await lab.bindAll(tid);
  const cd = await lab.addTarget(`${TARGET}-cd`);
  await lab.addLun(cd, 1, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(cd);
  url = iscsiUrl(lab.portal, TARGET, 1);
  bridge = await startSgBridge({
    maps: [
      { device: SG3_DEVICE_A, url, initiator: 'iqn.2026-11.test.clusterprobe:sgshim-node-a' },
      { device: SG3_DEVICE_B, url, initiator: 'iqn.2026-11.test.clusterprobe:sgshim-node-b' },
      {
        device: SG3_DEVICE_CD,
        url: iscsiUrl(lab.portal, `${TARGET}-cd`, 1),
        initiator: 'iqn.2026-11.test.clusterprobe:sgshim-node-a',
      },
    ],
    trace: true,
  });
});

after(async () => {
  await bridge?.stop();
  await lab?.stop();
});

test('identify through sg_turs, sg_inq and sg_readcap', async () => {
  const r = await identifyScenario(make);
  assert.equal(r.inquiry.productIdentification, 'VIRTUAL-DISK');
  assert.equal(r.capacity.sizeBytes, 16n * 1024n * 1024n);
  assert.equal(r.capacity16.sizeBytes, r.capacity.sizeBytes);
  assert.ok(r.identification.designators.length > 0);
  assert.match(bridge.log(), /sg-clusterprobe-a cdb 12 01 83 00 ff 00/);
});

test('the PR sequence through sg_persist, cross-checked with prtool at each step', async () => {
  const seen: Record<string, string[]> = {};
  const s = await prSequenceScenario(make, async (step) => {
    seen[step] = (await prKeys(url)).keys;
  });
  assert.deepEqual(seen, { registered: [hexKey(KEY_A), hexKey(KEY_B)], preempted: [hexKey(KEY_B)], unregistered: [] });
  assert.deepEqual(s.keysRegistered.keys, [KEY_A, KEY_B]);
  assert.equal(s.reservationSeenByB.reservationKey, KEY_A);
  assert.ok(isConflict(s.conflict), String(s.conflict));
  assert.deepEqual(
    s.unitAttentionsOfA.map((u) => [u.asc, u.ascq]),
    [[0x2a, 0x03]],
  );
  assert.deepEqual(s.keysAfterPreempt.keys, [KEY_B]);
  assert.ok(isCheck(s.fullStatus, 5, 0x24, 0), String(s.fullStatus));
  assert.deepEqual(s.keysAfter.keys, []);
});

test('PR on a CD LUN is not implemented: 05/20/00', async () => {
  assert.ok(isCheck(await notImplementedScenario(make), 5, 0x20, 0));
});

test('a missing path and a non-SCSI node are ESGDEVICE', async () => {
  const r = await noDeviceScenario(make);
  assert.equal((r.missing as { code?: string }).code, 'ESGDEVICE');
  assert.equal((r.notScsi as { code?: string }).code, 'ESGDEVICE');
});
