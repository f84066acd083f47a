import { test } from 'node:test';
import assert from 'node:assert/strict';
import check, { stepMessage, vendorRemediation } from '../../../checks/storage/pr-support.ts';
import { runCheck } from '../../helpers/run-check.ts';
import {
  PR_NOT_SENT_INTERRUPTED,
  PR_SEQUENCE_STEP_IDS,
  type PrDiskFact,
  type PrFacts,
  type PrSequenceStepId,
  type PrStepId,
} from '../../../src/facts/index.ts';

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

test('interrupted is the typed field, never the words of the step: the same got, not interrupted, is the step failing', async () => {
  // A target can answer with any text; only PrDiskFact.interrupted says the step was not sent.
  const words = PR_NOT_SENT_INTERRUPTED;
  const found = await runCheck(
    check,
    facts([
      disk({ lun: 1, outcome: 'stepFailed', failedStep: 'reserveA', steps: [failedStep('reserveA', words)] }),
      disk({
        lun: 2,
        outcome: 'stepFailed',
        failedStep: 'reserveA',
        interrupted: false,
        steps: [failedStep('reserveA', words)],
      }),
      disk({
        lun: 3,
        outcome: 'stepFailed',
        failedStep: 'preemptB',
        interrupted: true,
        steps: [failedStep('preemptB', 'the words do not matter')],
      }),
    ]),
  );
  assert.deepEqual(
    found.map((f) => [f.data.lun, f.status, f.messageId]),
    [
      [1, 'fail', 'reserveFailed'],
      [2, 'fail', 'reserveFailed'],
      [3, 'skipped', 'interrupted'],
    ],
  );
});

test('every sequence step id has its own message; evidence-only steps are never a failedStep', async () => {
  const expected: Record<PrSequenceStepId, string> = {
    readKeysBefore: 'readKeysFailed',
    registerA: 'registerFailed',
    registerB: 'registerFailed',
    reserveA: 'reserveFailed',
    readReservationB: 'reservationWrong',
    preemptB: 'preemptFailed',
    readKeysAfterPreempt: 'reservationWrong',
    readReservationAfterPreempt: 'reservationWrong',
    releaseB: 'releaseFailed',
    unregisterB: 'unregisterFailed',
    readReservationA: 'reservationWrong',
    releaseA: 'releaseFailed',
    unregisterA: 'unregisterFailed',
  };
  assert.deepEqual(Object.keys(expected).sort(), [...PR_SEQUENCE_STEP_IDS].sort());
  for (const step of PR_SEQUENCE_STEP_IDS) {
    assert.equal(stepMessage(step), expected[step], step);
    assert.ok(Object.hasOwn(check.meta.messages, stepMessage(step)), `${step}: ${stepMessage(step)} is a message`);
  }
  const found = await runCheck(
    check,
    facts(
      PR_SEQUENCE_STEP_IDS.map((step, i) =>
        disk({ lun: i, outcome: 'stepFailed', failedStep: step, steps: [failedStep(step, 'CHECK CONDITION')] }),
      ),
    ),
  );
  assert.deepEqual(
    found.map((f) => [f.status, f.messageId]),
    PR_SEQUENCE_STEP_IDS.map((s) => ['fail', expected[s]]),
  );
  // Compile-time only (typecheck runs this file): never called.
  const doesNotCompile = () => {
    // @ts-expect-error -- an evidence-only step is not a step the sequence can fail at
    stepMessage('readKeysFinal');
    // @ts-expect-error -- an unknown step id does not compile
    disk({ outcome: 'stepFailed', failedStep: 'registerC' });
  };
  void doesNotCompile;
});

test('a step id this version does not know (a hand-edited facts file) is an error naming it, not registerFailed', async () => {
  const found = await runCheck(
    check,
    facts([
      disk({
        outcome: 'stepFailed',
        failedStep: 'registerC' as PrSequenceStepId,
        steps: [failedStep('registerC' as PrSequenceStepId, 'GOOD')],
      }),
    ]),
  );
  assert.equal(found[0]!.status, 'error');
  assert.match(found[0]!.message, /registerC/);
});
