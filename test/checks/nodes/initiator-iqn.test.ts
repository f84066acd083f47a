import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/initiator-iqn.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok } from './facts.ts';

const HV01 = 'iqn.1991-05.com.microsoft:hv01.lab.example.test';

test('skipped on Linux/macOS, without PowerShell, and without nodes', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test('the IQN found, against nodes[].iqn: none given, the same (ignoring case), another', async () => {
  const facts = nodesFacts([
    ok('hv01'),
    ok('hv02'),
    ok('hv03'),
    ok('hv04', { iscsi: { iqn: null, source: null, service: 'Stopped' } }),
    failed('hv05', ACCESS_DENIED),
    ok('hv06', {
      iscsi: null,
      problems: [{ section: 'iscsi', message: 'Not found', id: 'GetWMIManagementException' }],
    }),
  ]);
  const spec = facts.spec as { nodes: { name: string; iqn?: string }[] };
  spec.nodes[1]!.iqn = 'IQN.1991-05.com.microsoft:HV02.lab.example.test';
  spec.nodes[2]!.iqn = 'iqn.2026-11.test:hv03-as-configured';
  const findings = await runCheck(check, facts);
  assertFindings(findings, [
    {
      status: 'pass',
      messageId: 'found',
      subject: 'hv01',
      data: { iqn: HV01, source: 'Get-InitiatorPort', configured: null },
    },
    { status: 'pass', messageId: 'matchesSpec', subject: 'hv02' },
    {
      status: 'fail',
      messageId: 'differsFromSpec',
      subject: 'hv03',
      data: {
        iqn: 'iqn.1991-05.com.microsoft:hv03.lab.example.test',
        configured: 'iqn.2026-11.test:hv03-as-configured',
      },
    },
    { status: 'warn', messageId: 'notFound', subject: 'hv04', data: { service: 'Stopped' } },
    { status: 'skipped', messageId: 'notRead', subject: 'hv05' },
    { status: 'warn', messageId: 'unreadable', subject: 'hv06', data: { error: 'Not found' } },
  ]);
  assert.deepEqual(commandsOf(findings[2]), [
    "Set-InitiatorPort -NodeAddress 'iqn.1991-05.com.microsoft:hv03.lab.example.test' -NewNodeAddress 'iqn.2026-11.test:hv03-as-configured'",
    'iscsicli NodeName "iqn.2026-11.test:hv03-as-configured"',
  ]);
  assert.ok(commandsOf(findings[3]).some((c) => c.startsWith('Set-Service -Name MSiSCSI -StartupType Automatic')));
});

test('the 2008 R2 source is named', async () => {
  const [f] = await runCheck(
    check,
    nodesFacts([
      ok('r2n1', {
        psVersion: '2.0',
        iscsi: {
          iqn: 'iqn.1991-05.com.microsoft:r2n1.lab.example.test',
          source: 'MSiSCSIInitiator_MethodClass',
          service: 'Running',
        },
      }),
    ]),
  );
  assertFindings(
    [f!],
    [{ status: 'pass', messageId: 'found', subject: 'r2n1', data: { source: 'MSiSCSIInitiator_MethodClass' } }],
  );
});
