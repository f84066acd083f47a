/**
 * Proves the tgt lab harness (test/lab/tgt.ts) against libiscsi's tools: two targets, LUN types
 * and sizes, CHAP right and wrong, an initiator ACL, and a clean stop.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTgt, iscsiLs, iscsiInq, iscsiUrl, runTool, LabCommandError, type TgtLab } from '../lab/tgt.ts';

const DISK_IQN = 'iqn.2026-11.test.clusterprobe:lab-disks';
const CHAP_IQN = 'iqn.2026-11.test.clusterprobe:lab-chap';
const ACL_IQN = 'iqn.2026-11.test.clusterprobe:lab-acl';
const ALLOWED = 'iqn.2026-11.test.clusterprobe:node-a';
const REFUSED = 'iqn.2026-11.test.clusterprobe:node-b';
const CHAP = { user: 'labuser', secret: 'lab-secret-0123' };

/**
 * iscsi-ls prints READ CAPACITY(10)'s last LBA times the block size (one block short of the
 * capacity), divided down by 1024 with truncation: a 64 MiB LUN shows as "63M".
 */
function iscsiLsSize(sizeMiB: number, blockSize = 512): string {
  let size = sizeMiB * 1024 * 1024 - blockSize;
  const units = [' ', 'k', 'M', 'G', 'T'];
  let i = 0;
  for (; i < 4 && size > 1024; i++) size = Math.floor(size / 1024);
  return `${size}${units[i]}`;
}

let lab: TgtLab;

before(async () => {
  lab = await startTgt();
  const disks = await lab.addTarget(DISK_IQN);
  await lab.addLun(disks, 1, { sizeMiB: 64 });
  await lab.addLun(disks, 2, { sizeMiB: 20 });
  await lab.addLun(disks, 3, { sizeMiB: 8, deviceType: 'cd' });
  await lab.bindAll(disks);
  const chap = await lab.addTarget(CHAP_IQN);
  await lab.addLun(chap, 1, { sizeMiB: 16 });
  await lab.bindAll(chap);
  await lab.addChap(chap, CHAP.user, CHAP.secret);
  const acl = await lab.addTarget(ACL_IQN);
  await lab.addLun(acl, 1, { sizeMiB: 4 });
  await lab.bindInitiator(acl, ALLOWED);
});

after(async () => {
  await lab?.stop();
});

test('the portal is 127.0.0.1 with a port and control port of its own', () => {
  assert.match(lab.portal, /^127\.0\.0\.1:\d+$/);
  assert.equal(lab.portal, `127.0.0.1:${lab.port}`);
  assert.ok(lab.controlPort >= 100 && lab.controlPort <= 999, `control port ${lab.controlPort}`);
});

test('iscsi-ls -s lists both targets with LUN types and sizes', async () => {
  // The CHAP credentials go to every target; targets without an account accept AuthMethod=None.
  const out = await iscsiLs(lab.portal, { showLuns: true, user: CHAP.user, secret: CHAP.secret });
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    const m = /^Target:(\S+) Portal:(\S+)$/.exec(line);
    if (m?.[1]) {
      current = [];
      blocks.set(m[1], current);
      assert.equal(m[2], `${lab.portal},1`);
    } else if (line.trim() && current) current.push(line.trim());
  }
  assert.deepEqual(
    [...blocks.keys()].sort(),
    [CHAP_IQN, DISK_IQN],
    `the ACL target is hidden from libiscsi's default initiator name:\n${out}`,
  );
  assert.deepEqual(blocks.get(DISK_IQN), [
    'Lun:0    Type:STORAGE_ARRAY_CONTROLLER',
    `Lun:1    Type:DIRECT_ACCESS (Size:${iscsiLsSize(64)})`,
    `Lun:2    Type:DIRECT_ACCESS (Size:${iscsiLsSize(20)})`,
    'Lun:3    Type:MMC',
  ]);
  assert.deepEqual(blocks.get(CHAP_IQN), [
    'Lun:0    Type:STORAGE_ARRAY_CONTROLLER',
    `Lun:1    Type:DIRECT_ACCESS (Size:${iscsiLsSize(16)})`,
  ]);
});

test('iscsi-inq sees a disk and a removable CD', async () => {
  const disk = await iscsiInq(iscsiUrl(lab.portal, DISK_IQN, 1));
  assert.match(disk, /^Peripheral Device Type:DIRECT_ACCESS$/m);
  assert.match(disk, /^Removable:0$/m);
  const cd = await iscsiInq(iscsiUrl(lab.portal, DISK_IQN, 3));
  assert.match(cd, /^Peripheral Device Type:MMC$/m);
  assert.match(cd, /^Removable:1$/m);
});

test('CHAP: the right secret logs in, a wrong one is an authentication failure', async () => {
  const ok = await iscsiInq(iscsiUrl(lab.portal, CHAP_IQN, 1, CHAP));
  assert.match(ok, /^Peripheral Device Type:DIRECT_ACCESS$/m);
  await assert.rejects(
    iscsiInq(iscsiUrl(lab.portal, CHAP_IQN, 1, { user: CHAP.user, secret: 'wrong-secret-000' })),
    (e: unknown) => {
      assert.ok(e instanceof LabCommandError);
      assert.notEqual(e.exitCode, 0);
      assert.match(e.stderr, /Authentication failure\(513\)/); // 0x0201
      return true;
    },
  );
  await assert.rejects(iscsiInq(iscsiUrl(lab.portal, CHAP_IQN, 1)), LabCommandError, 'no credentials at all');
});

test('initiator ACL: the bound initiator logs in, another is told "target not found"', async () => {
  const ok = await iscsiInq(iscsiUrl(lab.portal, ACL_IQN, 1), { initiatorName: ALLOWED });
  assert.match(ok, /^Peripheral Device Type:DIRECT_ACCESS$/m);
  await assert.rejects(iscsiInq(iscsiUrl(lab.portal, ACL_IQN, 1), { initiatorName: REFUSED }), (e: unknown) => {
    assert.ok(e instanceof LabCommandError);
    assert.match(e.stderr, /Target not found\(515\)/); // 0x0203
    return true;
  });
});

test('tgtadm errors explain themselves', async () => {
  await assert.rejects(lab.setParam(1, 'NoSuchParameter', 1), (e: unknown) => {
    assert.ok(e instanceof LabCommandError);
    assert.match(e.message, /tgtadm -C \d+ --lld iscsi --op update .*NoSuchParameter/);
    assert.match(e.message, /invalid request/);
    return true;
  });
});

test('a second lab runs beside the first, and stop leaves no tgtd behind', async () => {
  const second = await startTgt();
  try {
    assert.notEqual(second.port, lab.port);
    assert.notEqual(second.controlPort, lab.controlPort);
    const tid = await second.addTarget('iqn.2026-11.test.clusterprobe:second');
    await second.addLun(tid, 1, { sizeMiB: 1 });
    await second.bindAll(tid);
    await second.setParam(tid, 'MaxRecvDataSegmentLength', 65536);
    assert.match(await second.show(tid), /^MaxRecvDataSegmentLength=65536$/m);
    assert.match(await iscsiLs(second.portal), /Target:iqn\.2026-11\.test\.clusterprobe:second /);
    // The first lab's targets are not visible through the second's portal.
    assert.doesNotMatch(await iscsiLs(second.portal), /lab-disks/);
  } finally {
    await second.stop();
  }
  const pattern = `tgtd -f -C ${second.controlPort} `;
  const r = await runTool('pgrep', ['-f', pattern], { allowFailure: true });
  assert.equal(r.exitCode, 1, `pgrep -f "${pattern}" still finds: ${r.stdout}`);
  await assert.rejects(second.tgtadm(['--op', 'show', '--mode', 'target']), /not running/);
});

test('kill() ends tgtd at once; the portal is gone', async () => {
  const victim = await startTgt();
  try {
    await victim.kill();
    const r = await runTool('pgrep', ['-f', `tgtd -f -C ${victim.controlPort} `], { allowFailure: true });
    assert.equal(r.exitCode, 1);
    await assert.rejects(iscsiLs(victim.portal, { timeoutMs: 5000 }), LabCommandError);
  } finally {
    await victim.stop();
  }
});

test('the lab itself stops cleanly', async () => {
  const { controlPort } = lab;
  await lab.stop();
  const r = await runTool('pgrep', ['-f', `tgtd -f -C ${controlPort} `], { allowFailure: true });
  assert.equal(r.exitCode, 1, `tgtd -C ${controlPort} still running: ${r.stdout}`);
});
