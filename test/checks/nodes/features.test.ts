import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/features.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok, os2008r2 } from './facts.ts';
import type { NodeFeature } from '../../../src/facts/index.ts';

const f = (name: string, state: string): NodeFeature => ({ name, installed: state === 'Installed', state });

test('skipped on Linux/macOS, without PowerShell, and without nodes', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test('a Hyper-V cluster (the default) needs both features on every node; general needs Failover Clustering only', async () => {
  const nodes = [
    ok('hv01'),
    ok('hv02', {
      features: [f('Failover-Clustering', 'Installed'), f('Hyper-V', 'Available'), f('Multipath-IO', 'Available')],
    }),
  ];
  assertFindings(await runCheck(check, nodesFacts(nodes)), [
    { status: 'pass', messageId: 'installed', subject: 'hv01 Failover-Clustering' },
    { status: 'pass', messageId: 'installed', subject: 'hv01 Hyper-V' },
    { status: 'pass', messageId: 'installed', subject: 'hv02 Failover-Clustering' },
    {
      status: 'fail',
      messageId: 'missing',
      subject: 'hv02 Hyper-V',
      data: { feature: 'Hyper-V', state: 'Available', role: 'hyperv' },
    },
  ]);
  assertFindings(await runCheck(check, nodesFacts(nodes, { cluster: { role: 'general' } })), [
    { status: 'pass', messageId: 'installed', subject: 'hv01 Failover-Clustering', data: { role: 'general' } },
    { status: 'pass', messageId: 'installed', subject: 'hv02 Failover-Clustering' },
  ]);
});

test('the table of states', async () => {
  const table: [
    string,
    NodeFeature[],
    { status: 'pass' | 'warn' | 'fail'; messageId: string; data?: Record<string, unknown> },
  ][] = [
    [
      'pending restart',
      [f('Failover-Clustering', 'InstallPending'), f('Hyper-V', 'Installed')],
      { status: 'warn', messageId: 'installPending', data: { state: 'InstallPending' } },
    ],
    [
      'files removed',
      [f('Failover-Clustering', 'Removed'), f('Hyper-V', 'Installed')],
      { status: 'fail', messageId: 'missing', data: { state: 'Removed' } },
    ],
    [
      'being uninstalled',
      [{ name: 'Failover-Clustering', installed: true, state: 'UninstallPending' }, f('Hyper-V', 'Installed')],
      { status: 'fail', messageId: 'missing', data: { state: 'UninstallPending' } },
    ],
    [
      'not offered (2008 R2 Standard)',
      [f('Hyper-V', 'Installed')],
      { status: 'fail', messageId: 'notOffered', data: { state: 'absent' } },
    ],
  ];
  for (const [name, features, expected] of table) {
    const findings = await runCheck(check, nodesFacts([ok('hv01', { features })]));
    assertFindings(findings.slice(0, 1), [{ ...expected, subject: 'hv01 Failover-Clustering' }]);
    assert.equal(findings.length, 2, name);
  }
});

test("the install command takes the form of the node's version: 2012+, 2008 R2, or both when unknown", async () => {
  const missing = [f('Failover-Clustering', 'Available'), f('Hyper-V', 'Available')];
  const current = await runCheck(check, nodesFacts([ok('hv01', { features: missing })]));
  assert.deepEqual(commandsOf(current[0]), [
    'Install-WindowsFeature -Name Failover-Clustering -IncludeManagementTools',
    'Install-WindowsFeature -Name Failover-Clustering -IncludeManagementTools -ComputerName hv01.lab.example.test',
    'Get-WindowsFeature -Name Failover-Clustering',
  ]);
  assert.ok(commandsOf(current[1]).includes('Install-WindowsFeature -Name Hyper-V -IncludeManagementTools -Restart'));
  const legacy = await runCheck(
    check,
    nodesFacts([ok('r2n1', { os: os2008r2(), psVersion: '2.0', features: missing })]),
  );
  assert.deepEqual(commandsOf(legacy[0]), [
    'Import-Module ServerManager; Add-WindowsFeature Failover-Clustering, RSAT-Clustering',
    'Get-WindowsFeature -Name Failover-Clustering',
  ]);
  assert.ok(commandsOf(legacy[1]).includes('Import-Module ServerManager; Add-WindowsFeature Hyper-V -Restart'));
  const unknown = await runCheck(check, nodesFacts([ok('hv01', { os: null, psVersion: null, features: missing })]));
  assert.ok(
    commandsOf(unknown[0]).some((c) => c.startsWith('Install-WindowsFeature')) &&
      commandsOf(unknown[0]).some((c) => c.startsWith('Import-Module ServerManager; Add-WindowsFeature')),
  );
  const removed = await runCheck(
    check,
    nodesFacts([ok('hv01', { features: [f('Failover-Clustering', 'Removed'), f('Hyper-V', 'Installed')] })]),
  );
  assert.ok(commandsOf(removed[0]).some((c) => c.endsWith('-Source D:\\sources\\sxs')));
});

test('a node not read is skipped, one whose features could not be listed warns', async () => {
  assertFindings(
    await runCheck(
      check,
      nodesFacts([
        failed('hv01', ACCESS_DENIED),
        ok('hv02', {
          features: null,
          problems: [
            {
              section: 'features',
              message: "The term 'Get-WindowsFeature' is not recognized",
              id: 'CommandNotFoundException',
            },
          ],
        }),
      ]),
    ),
    [
      { status: 'skipped', messageId: 'notRead', subject: 'hv01' },
      {
        status: 'warn',
        messageId: 'unreadable',
        subject: 'hv02',
        data: { error: "The term 'Get-WindowsFeature' is not recognized" },
      },
    ],
  );
});
