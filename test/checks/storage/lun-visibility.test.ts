import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/storage/lun-visibility.ts';
import { runCheck } from '../../helpers/run-check.ts';
import { A, B, facts, login, lun, portal, target } from './facts.ts';

test('the same disks for every node pass; a disk missing for one node names the node and the disk', async () => {
  const same = await runCheck(check, facts([portal({ targets: [target('iqn.t:a', [login(A), login(B)])] })]));
  assert.deepEqual(
    same.map((f) => [f.status, f.messageId, f.data.disks]),
    [['pass', 'sameDisks', 1]],
  );
  const masked = await runCheck(
    check,
    facts([
      portal({ targets: [target('iqn.t:a', [login(A, { luns: [lun(1), lun(2)] }), login(B, { luns: [lun(1)] })])] }),
    ]),
  );
  assert.deepEqual(
    masked.map((f) => [f.subject, f.status, f.messageId, f.data.node, f.data.others]),
    [['iqn.t:a LUN 2 hv02', 'fail', 'missingForNode', 'hv02', 'hv01']],
  );
});

test('with fewer than two logged-in nodes there is nothing to compare', async () => {
  const one = await runCheck(
    check,
    facts([portal({ targets: [target('iqn.t:a', [login(A), login(B, { status: 'not-found', luns: undefined })])] })]),
  );
  assert.deepEqual([one[0]!.status, one[0]!.messageId], ['skipped', 'noComparison']);
});
