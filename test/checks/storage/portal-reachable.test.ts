import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/storage/portal-reachable.ts';
import { runCheck, commandsOf } from '../../helpers/run-check.ts';
import { facts, portal } from './facts.ts';

test('each reach status gets its messageId; failures carry a check command for the nodes', async () => {
  const cases = [
    [{ status: 'ok', ms: 3 }, 'pass', 'reachable'],
    [{ status: 'refused', code: 'ECONNREFUSED' }, 'fail', 'refused'],
    [{ status: 'timeout' }, 'fail', 'timeout'],
    [{ status: 'dns', code: 'ENOTFOUND' }, 'fail', 'dns'],
    [{ status: 'unreachable' }, 'fail', 'unreachable'],
    [{ status: 'error', message: 'EPERM' }, 'fail', 'error'],
  ] as const;
  for (const [reach, status, messageId] of cases) {
    const [f] = await runCheck(check, facts([portal({ portal: 'san1:3260', reach })]));
    assert.deepEqual([f!.status, f!.messageId, f!.subject], [status, messageId, 'san1:3260']);
    if (status === 'fail') assert.ok(commandsOf(f).includes("Test-NetConnection -ComputerName 'san1' -Port 3260"));
  }
});

test('no portals: skipped', async () => {
  const [f] = await runCheck(check, facts([]));
  assert.deepEqual([f!.status, f!.messageId], ['skipped', 'noPortals']);
});
