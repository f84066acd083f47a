import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/storage/lun-inventory.ts';
import { runCheck } from '../../helpers/run-check.ts';
import { A, B, facts, login, lun, portal, target } from './facts.ts';

const T = 'iqn.2026-11.test:csv1';

test('disks pass, other device types are listed but not candidates, old SPC warns, read through the first node that logs in', async () => {
  const luns = [
    lun(0, { deviceType: 12, deviceTypeName: 'storage array controller device', sizeBytes: null }),
    lun(1),
    lun(2, { version: 4 }),
    lun(3, { deviceType: 5, deviceTypeName: 'CD/DVD device', sizeBytes: null }),
  ];
  const found = await runCheck(
    check,
    facts([portal({ targets: [target(T, [login(A, { status: 'not-found', luns: undefined }), login(B, { luns })])] })]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      [`${T} LUN 0`, 'skipped', 'notDisk'],
      [`${T} LUN 1`, 'pass', 'disk'],
      [`${T} LUN 2`, 'warn', 'oldSpc'],
      [`${T} LUN 3`, 'skipped', 'notDisk'],
    ],
  );
  assert.equal(found[1]!.data.size, '64.0 MiB');
  assert.equal(found[1]!.evidence?.readAs, B.initiator);
});

test('an unreadable LUN warns; a target nobody can log in to is skipped', async () => {
  const bad = await runCheck(
    check,
    facts([
      portal({
        targets: [
          target(T, [login(A, { luns: [lun(4, { deviceType: -1, error: { code: 'ESCSICHECK', message: 'boom' } })] })]),
        ],
      }),
    ]),
  );
  assert.deepEqual([bad[0]!.status, bad[0]!.messageId], ['warn', 'unreadable']);
  const none = await runCheck(
    check,
    facts([portal({ targets: [target(T, [login(A, { status: 'not-found', luns: undefined })])] })]),
  );
  assert.deepEqual([none[0]!.status, none[0]!.messageId], ['skipped', 'noLogin']);
});

test("local devices are listed by path; one that sg3_utils cannot read fails with the tool's remedy", async () => {
  const found = await runCheck(
    check,
    facts(
      [],
      [
        { path: '/dev/sdb', status: 'ok', lun: lun(0) },
        { path: '/dev/sr0', status: 'ok', lun: lun(0, { deviceType: 5, deviceTypeName: 'CD/DVD device' }) },
        {
          path: '/dev/sdz',
          status: 'deviceFailed',
          message: 'sg_inq: cannot open /dev/sdz (ENOENT)',
          remedy: 'check the device path',
        },
      ],
    ),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['/dev/sdb', 'pass', 'disk'],
      ['/dev/sr0', 'skipped', 'notDisk'],
      ['/dev/sdz', 'fail', 'deviceUnreadable'],
    ],
  );
  assert.match(JSON.stringify(found[2]!.remediation), /check the device path/);
  assert.equal(found[2]!.data.status, 'deviceFailed');
});

test('local devices on a machine that is not Linux (the Windows executable) are skipped, saying where they can be read', async () => {
  const found = await runCheck(
    check,
    facts([], [{ path: '/dev/sdb', status: 'notLinux', message: 'this machine runs Windows' }]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [['/dev/sdb', 'skipped', 'deviceNotLinux']],
  );
  assert.match(found[0]!.message, /Linux/);
  assert.doesNotMatch(JSON.stringify(found[0]), /apt-get|lsblk/);
});

test('a LUN named in luns: that is not a disk fails with how to present it as one; an unnamed one is only set aside', async () => {
  const luns = [
    lun(1),
    lun(2, { deviceType: 5, deviceTypeName: 'CD/DVD device', sizeBytes: null }),
    lun(3, { deviceType: 1, deviceTypeName: 'tape device', sizeBytes: null }),
  ];
  const found = await runCheck(
    check,
    facts([portal({ targets: [{ ...target(T, [login(A, { luns })]), listedLuns: [1, 2] }] })]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      [`${T} LUN 1`, 'pass', 'disk'],
      [`${T} LUN 2`, 'fail', 'listedNotDisk'],
      [`${T} LUN 3`, 'skipped', 'notDisk'],
    ],
  );
  const commands = found[1]!.remediation!.steps.flatMap((s) => s.commands ?? []).map((c) => c.command);
  assert.ok(
    commands.some((c) => c.includes('--lun 2 --device-type disk')),
    commands.join('\n'),
  );
  assert.ok(commands.some((c) => c.startsWith('targetcli /backstores/block create csv2')));
});
