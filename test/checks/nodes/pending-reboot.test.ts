import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/pending-reboot.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok } from './facts.ts';
import type { NodePendingReboot } from '../../../src/facts/index.ts';

const pending = (
  indicators: NodePendingReboot['indicators'],
  over: Partial<NodePendingReboot> = {},
): NodePendingReboot => ({
  indicators,
  fileRenameEntries: indicators.includes('fileRenameOperations') ? 4 : 0,
  activeComputerName: 'HV01',
  pendingComputerName: indicators.includes('computerRename') ? 'HV01-NEW' : 'HV01',
  ...over,
});

test('skipped on Linux/macOS, without PowerShell, and without nodes', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test('each indicator warns, named; none passes; a node not read is skipped', async () => {
  const findings = await runCheck(
    check,
    nodesFacts([
      ok('hv01'),
      ok('hv02', { pendingReboot: pending(['componentBasedServicing']) }),
      ok('hv03', { pendingReboot: pending(['windowsUpdate', 'fileRenameOperations']) }),
      ok('hv04', { pendingReboot: pending(['computerRename']) }),
      failed('hv05', ACCESS_DENIED),
      ok('hv06', {
        pendingReboot: null,
        problems: [
          {
            section: 'reboot',
            message: 'Requested registry access is not allowed.',
            id: 'System.Security.SecurityException',
          },
        ],
      }),
    ]),
  );
  assertFindings(findings, [
    {
      status: 'pass',
      messageId: 'noRebootPending',
      subject: 'hv01',
      data: { indicators: [], lastBootUpTime: '2026-11-28T05:02:17.487Z' },
    },
    { status: 'warn', messageId: 'rebootPending', subject: 'hv02', data: { indicators: ['componentBasedServicing'] } },
    {
      status: 'warn',
      messageId: 'rebootPending',
      subject: 'hv03',
      data: { indicators: ['windowsUpdate', 'fileRenameOperations'] },
    },
    { status: 'warn', messageId: 'rebootPending', subject: 'hv04', data: { indicators: ['computerRename'] } },
    { status: 'skipped', messageId: 'notRead', subject: 'hv05' },
    {
      status: 'warn',
      messageId: 'unreadable',
      subject: 'hv06',
      data: { error: 'Requested registry access is not allowed.' },
    },
  ]);
  assert.match(String(findings[2]!.data.which), /RebootRequired.*PendingFileRenameOperations \(4 entries/);
  assert.match(String(findings[3]!.data.which), /HV01 to HV01-NEW/);
  assert.ok(
    commandsOf(findings[1]).includes(
      'Restart-Computer -ComputerName hv02.lab.example.test -Wait -For PowerShell -Timeout 1800',
    ),
  );
});
