import { test } from 'node:test';
import assert from 'node:assert/strict';
import check, { vendorRemediation } from '../../../checks/storage/pr-support.ts';
import { runCheck } from '../../helpers/run-check.ts';
import type { PrDiskFact, PrFacts, PrStepId } from '../../../src/facts/index.ts';

function disk(over: Partial<PrDiskFact>): PrDiskFact {
  return {
    portal: '10.0.0.20:3260',
    target: 'iqn.t:csv',
    lun: 1,
    vendor: 'LIO-ORG',
    product: 'csv1',
    outcome: 'supported',
    steps: [],
    keysBefore: [],
    keysLeft: [],
    identities: { A: 'iqn.a', B: 'iqn.b' },
    ...over,
  };
}

const facts = (disks: PrDiskFact[]): { 'storage.pr': PrFacts } => ({ 'storage.pr': { run: '0badcafe', disks } });
const failedStep = (step: PrStepId, got: string) => ({
  step,
  by: 'B' as const,
  command: 'PERSISTENT RESERVE OUT',
  ok: false,
  expected: 'GOOD',
  got,
});

test('outcomes map to statuses and messageIds; the first failing step names the finding', async () => {
  const found = await runCheck(
    check,
    facts([
      disk({ lun: 1 }),
      disk({ lun: 2, outcome: 'inUse', keysBefore: [{ key: '0x1234', ours: false }] }),
      disk({ lun: 3, outcome: 'notImplemented', vendor: 'IET' }),
      disk({
        lun: 4,
        outcome: 'stepFailed',
        failedStep: 'preemptB',
        steps: [failedStep('preemptB', 'RESERVATION CONFLICT')],
      }),
      disk({
        lun: 5,
        outcome: 'stepFailed',
        failedStep: 'reserveA',
        interrupted: true,
        steps: [failedStep('reserveA', 'not sent: the run was interrupted')],
      }),
      disk({ lun: 6, outcome: 'keysLeft', keysLeft: ['0x4350520badcafe01'] }),
      disk({ lun: 7, outcome: 'noSecondNode' }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => [f.data.lun, f.status, f.messageId]),
    [
      [1, 'pass', 'supported'],
      [2, 'skipped', 'inUse'],
      [3, 'fail', 'notImplemented'],
      [4, 'fail', 'preemptFailed'],
      [5, 'skipped', 'interrupted'],
      [6, 'fail', 'keysLeft'],
      [7, 'skipped', 'noSecondNode'],
    ],
  );
  assert.equal(found[1]!.data.keys, '0x1234');
  assert.equal(found[3]!.data.got, 'RESERVATION CONFLICT');
});

test('a step failure that also left keys reports both', async () => {
  const found = await runCheck(
    check,
    facts([
      disk({
        outcome: 'stepFailed',
        failedStep: 'releaseB',
        steps: [failedStep('releaseB', 'CHECK CONDITION')],
        keysLeft: ['0x4350520badcafe02'],
      }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => f.messageId),
    ['releaseFailed', 'keysLeft'],
  );
});

test('vendor-aware remediation, never "contact your vendor" alone', () => {
  const text = (vendor: string | null) =>
    JSON.stringify(vendorRemediation({ vendor, product: 'x', portal: 'san:3260', target: 'iqn.t:csv', lun: 1 }));
  assert.match(text('IET'), /OpenFiler/);
  assert.match(text('IET'), /targetcli/);
  const tgt = vendorRemediation({
    vendor: 'IET',
    product: 'VIRTUAL-CDROM',
    portal: 'san:3260',
    target: 'iqn.t:csv',
    lun: 2,
  })
    .flatMap((s) => s.commands ?? [])
    .map((c) => c.command)
    .find((c) => c.startsWith('tgtadm'));
  assert.match(
    tgt ?? '',
    /--op delete --mode logicalunit .* --lun 2 && tgtadm .*--op new --mode logicalunit .* --lun 2 --device-type disk/,
    'the LUN number is taken: delete it before creating the disk',
  );
  assert.match(text('LIO-ORG'), /emulate_pr=1/);
  assert.match(text('MSFT'), /FS-iSCSITarget-Server/);
  assert.match(text('SUN'), /stmfadm/);
  assert.match(text('ACME'), /host type|persona/);
  assert.doesNotMatch(text('ACME'), /contact your vendor/i);
});

test('no candidate disks: skipped', async () => {
  const found = await runCheck(check, facts([]));
  assert.deepEqual([found[0]!.status, found[0]!.messageId], ['skipped', 'noDisks']);
});

test('local devices: the subject is the device paths; one path is singlePath (warn) with how to add a second', async () => {
  const local = { portal: 'local', target: '/dev/sdb', lun: 0, vendor: 'LIO-ORG', product: 'csv1' };
  const found = await runCheck(
    check,
    facts([
      disk({ ...local, devices: ['/dev/sdb', '/dev/sdc'], identities: { A: '/dev/sdb', B: '/dev/sdc' } }),
      disk({
        ...local,
        target: '/dev/sdd',
        devices: ['/dev/sdd'],
        outcome: 'singlePath',
        identities: { A: '/dev/sdd' },
      }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['/dev/sdb + /dev/sdc', 'pass', 'supported'],
      ['/dev/sdd', 'warn', 'singlePath'],
    ],
  );
  assert.match(JSON.stringify(found[1]!.remediation), /multipath -ll/);
});

test('PR not implemented: scsi2Only warns only when RESERVE(6) is known to be supported; local vendor fixes name no portal', async () => {
  const found = await runCheck(
    check,
    facts([
      disk({ lun: 1, outcome: 'notImplemented', vendor: 'IET', scsi2: 'supported' }),
      disk({ lun: 2, outcome: 'notImplemented', vendor: 'IET', scsi2: 'unknown' }),
      disk({ lun: 3, outcome: 'notImplemented', vendor: 'IET', scsi2: 'notSupported' }),
      disk({
        portal: 'local',
        target: '/dev/sde',
        lun: 0,
        devices: ['/dev/sde'],
        outcome: 'notImplemented',
        vendor: 'IET',
      }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => [f.subject, f.status, f.messageId]),
    [
      ['iqn.t:csv LUN 1', 'fail', 'notImplemented'],
      ['iqn.t:csv LUN 1', 'warn', 'scsi2Only'],
      ['iqn.t:csv LUN 2', 'fail', 'notImplemented'],
      ['iqn.t:csv LUN 3', 'fail', 'notImplemented'],
      ['/dev/sde', 'fail', 'notImplemented'],
    ],
  );
  assert.match(JSON.stringify(found[4]!.remediation), /the storage system/);
});

test('isPrCandidate: every disk, and a LUN of any readable type that luns: names', async () => {
  const { isPrCandidate } = await import('../../../src/storage/probe.ts');
  assert.equal(isPrCandidate({ lun: 1, deviceType: 0 }, {}), true);
  assert.equal(isPrCandidate({ lun: 2, deviceType: 5 }, {}), false);
  assert.equal(isPrCandidate({ lun: 2, deviceType: 5 }, { listedLuns: [2] }), true);
  assert.equal(isPrCandidate({ lun: 3, deviceType: 5 }, { listedLuns: [2] }), false);
  assert.equal(
    isPrCandidate({ lun: 2, deviceType: -1 }, { listedLuns: [2] }),
    false,
    'an unreadable LUN is not probed',
  );
});
