/**
 * storage.devices end to end: `validate` runs the real sg3_utils binaries (sg_inq, sg_readcap,
 * sg_persist) on device nodes. No SCSI device exists on the test machines, so sgshim
 * (test/lab/sgshim.ts: an LD_PRELOAD library plus a libiscsi bridge) makes fake nodes openable
 * and carries their SG_IO to a real tgt: /dev/sg-clusterprobe-a and -b are two paths (two
 * initiators) to one disk, -c the only path to another, -d a CD. The keys are read afterwards
 * with libiscsi's prtool, an initiator independent of both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTgt, iscsiUrl, type TgtLab } from '../lab/tgt.ts';
import { prKeys } from '../lab/libiscsi.ts';
import { startSgBridge, type SgBridge } from '../lab/sgshim.ts';
import { runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const T = 'iqn.2026-11.test:local-devices';
const DEV = {
  a: '/dev/sg-clusterprobe-a',
  b: '/dev/sg-clusterprobe-b',
  c: '/dev/sg-clusterprobe-c',
  d: '/dev/sg-clusterprobe-d',
  missing: '/dev/sg-clusterprobe-missing',
};
let lab: TgtLab;
let bridge: SgBridge;

before(async () => {
  lab = await startTgt();
  const tid = await lab.addTarget(T);
  await lab.addLun(tid, 1, { sizeMiB: 8 });
  await lab.addLun(tid, 2, { sizeMiB: 8 });
  await lab.addLun(tid, 3, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(tid);
  bridge = await startSgBridge({
    maps: [
      { device: DEV.a, url: iscsiUrl(lab.portal, T, 1), initiator: 'iqn.2026-11.test.host:path-a' },
      { device: DEV.b, url: iscsiUrl(lab.portal, T, 1), initiator: 'iqn.2026-11.test.host:path-b' },
      { device: DEV.c, url: iscsiUrl(lab.portal, T, 2), initiator: 'iqn.2026-11.test.host:path-a' },
      { device: DEV.d, url: iscsiUrl(lab.portal, T, 3), initiator: 'iqn.2026-11.test.host:path-a' },
    ],
  });
});

after(async () => {
  await bridge?.stop();
  await lab?.stop();
});

test('local devices through sg3_utils: inventory, multipath identity, the two-path PR sequence, the one-path steps, and an unreadable node', async () => {
  const spec = `nodes:\n  - { name: hv01 }\nstorage:\n  devices: [${Object.values(DEV).join(', ')}]\n`;
  const dir = await tempFiles({ 'c.yaml': spec });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'storage.*', '--json'], {
    env: bridge.env,
  });
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const byCheck = (id: string) =>
    report.findings.filter((f) => f.checkId === id).map((f) => [f.subject, f.status, f.messageId]);
  assert.deepEqual(byCheck('storage.lun.inventory'), [
    [DEV.a, 'pass', 'disk'],
    [DEV.b, 'pass', 'disk'],
    [DEV.c, 'pass', 'disk'],
    [DEV.d, 'skipped', 'notDisk'],
    [DEV.missing, 'fail', 'deviceUnreadable'],
  ]);
  assert.deepEqual(byCheck('storage.lun.identity'), [
    [`${DEV.a} + ${DEV.b}`, 'pass', 'multipath'],
    [DEV.c, 'pass', 'unique'],
  ]);
  assert.deepEqual(byCheck('storage.pr.support'), [
    [`${DEV.a} + ${DEV.b}`, 'pass', 'supported'],
    [DEV.c, 'warn', 'singlePath'],
  ]);
  const twoPath = report.findings.find((f) => f.checkId === 'storage.pr.support' && f.messageId === 'supported')!;
  const steps = twoPath.evidence!.steps as { step: string; by: string; ok: boolean }[];
  assert.ok(
    steps.every((s) => s.ok),
    JSON.stringify(steps),
  );
  assert.ok(steps.some((s) => s.step === 'preemptB' && s.by === 'B'));
  const onePath = report.findings.find((f) => f.messageId === 'singlePath')!;
  assert.deepEqual(
    (onePath.evidence!.steps as { step: string }[]).map((s) => s.step),
    [
      'readKeysBefore',
      'reportCapabilities',
      'registerA',
      'readFullStatus',
      'reserveA',
      'readReservationA',
      'releaseA',
      'unregisterA',
      'readKeysFinal',
    ],
  );
  const missing = report.findings.find((f) => f.messageId === 'deviceUnreadable')!;
  assert.equal(missing.data.status, 'deviceFailed');
  assert.match(String(missing.data.error), /sg-clusterprobe-missing/);
  for (const lun of [1, 2])
    assert.deepEqual(
      (await prKeys(iscsiUrl(lab.portal, T, lun), 'iqn.2026-11.test.independent:reader')).keys,
      [],
      `LUN ${lun}`,
    );
});

test('without sg3_utils on PATH each device is deviceUnreadable naming the package, and nothing crashes', async () => {
  const dir = await tempFiles({ 'c.yaml': `nodes:\n  - { name: hv01 }\nstorage:\n  devices: [${DEV.a}]\n` });
  const r = await runCli(['validate', '--config', join(dir, 'c.yaml'), '--only', 'storage.*', '--json'], {
    env: { ...bridge.env, PATH: '/nonexistent' },
  });
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  const f = report.findings.find((x) => x.checkId === 'storage.lun.inventory')!;
  assert.deepEqual(
    [f.subject, f.status, f.messageId, f.data.status],
    [DEV.a, 'fail', 'deviceUnreadable', 'toolMissing'],
  );
  assert.match(JSON.stringify(f.remediation), /sg3-utils/);
});
