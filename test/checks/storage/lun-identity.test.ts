import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/storage/lun-identity.ts';
import { runCheck, commandsOf } from '../../helpers/run-check.ts';
import { A, facts, login, lun, portal, target } from './facts.ts';

const naa = (n: number, value: string) => ({
  type: 'NAA',
  naa: n,
  value,
  association: 'logical-unit',
  codeSet: 'binary',
});

test('unique, local-only, missing, and the same disk through two portals', async () => {
  const luns = [
    lun(1),
    lun(2, { designators: [naa(3, '3000000200000001')] }),
    lun(3, {
      designators: [{ type: 'T10 vendor ID based', value: 'IET 0001', association: 'logical-unit', codeSet: 'ascii' }],
    }),
  ];
  const p1 = portal({ portal: '10.0.0.20:3260', targets: [target('iqn.t:a', [login(A, { luns })])] });
  const p2 = portal({ portal: '10.0.1.20:3260', targets: [target('iqn.t:a', [login(A, { luns })])] });
  const found = await runCheck(check, facts([p1, p2]));
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['iqn.t:a LUN 1', 'pass', 'multipath'],
      ['iqn.t:a LUN 2', 'warn', 'localNaa'],
      ['iqn.t:a LUN 3', 'fail', 'noIdentifier'],
    ],
  );
  assert.equal(found[0]!.data.count, 2);
});

test('two tgt hosts deriving the same identifier: both disks fail, with the scsi_id fix', async () => {
  const same = [naa(6, '60000000000000000e00000000010001')];
  const found = await runCheck(
    check,
    facts([
      portal({
        portal: '10.0.0.20:3260',
        targets: [target('iqn.host1:csv', [login(A, { luns: [lun(1, { designators: same })] })])],
      }),
      portal({
        portal: '10.0.0.21:3260',
        targets: [target('iqn.host2:csv', [login(A, { luns: [lun(1, { designators: same })] })])],
      }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['iqn.host1:csv LUN 1', 'fail', 'duplicateId'],
      ['iqn.host2:csv LUN 1', 'fail', 'duplicateId'],
    ],
  );
  assert.ok(commandsOf(found[0]).some((c) => c.includes("--params 'scsi_id=<unique-id>,scsi_sn=<unique-serial>'")));
  assert.equal(found[0]!.data.disks, 'iqn.host1:csv LUN 1, iqn.host2:csv LUN 1');
});

test('no disks: skipped', async () => {
  const found = await runCheck(check, facts([portal()]));
  assert.deepEqual([found[0]!.status, found[0]!.messageId], ['skipped', 'noDisks']);
});

test('local devices: nodes with one identifier are one disk (multipath); a node without one fails', async () => {
  const found = await runCheck(
    check,
    facts(
      [],
      [
        { path: '/dev/sdb', status: 'ok', lun: lun(0, { designators: [naa(6, '6001405aaaa')] }) },
        { path: '/dev/sdc', status: 'ok', lun: lun(0, { designators: [naa(6, '6001405aaaa')] }) },
        { path: '/dev/sdd', status: 'ok', lun: lun(0, { designators: [naa(3, '3000000200000009')] }) },
        { path: '/dev/sde', status: 'ok', lun: lun(0, { designators: [] }) },
        { path: '/dev/sdz', status: 'deviceFailed', message: 'gone' },
      ],
    ),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['/dev/sdb + /dev/sdc', 'pass', 'multipath'],
      ['/dev/sdd', 'warn', 'localNaa'],
      ['/dev/sde', 'fail', 'noIdentifier'],
    ],
  );
  assert.equal(found[0]!.data.count, 2);
});
