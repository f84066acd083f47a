import { test } from 'node:test';
import assert from 'node:assert/strict';
import check from '../../../checks/nodes/cpu-vendor.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, XEON_6230, failed, nodesFacts, ok } from './facts.ts';
import type { NodeProcessor } from '../../../src/facts/index.ts';

const intel = (name = XEON_6230): NodeProcessor => ({
  manufacturer: 'GenuineIntel',
  vendor: 'Intel',
  name,
  cores: 20,
  logicalProcessors: 40,
});
const amd = (): NodeProcessor => ({
  manufacturer: 'AuthenticAMD',
  vendor: 'AMD',
  name: 'AMD EPYC 7452 32-Core Processor',
  cores: 32,
  logicalProcessors: 64,
});

test('skipped on Linux/macOS, without PowerShell, without nodes, and for a general cluster', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
  assertFindings(await runCheck(check, nodesFacts([ok('hv01')], { cluster: { role: 'general' } })), [
    { status: 'skipped', messageId: 'notHyperV' },
  ]);
});

test('the table: one vendor and model passes, models differ warn, Intel with AMD fails', async () => {
  const table: [
    string,
    NodeProcessor[][],
    { status: 'pass' | 'warn' | 'fail'; messageId: string; subject: string; data?: Record<string, unknown> }[],
  ][] = [
    [
      'same',
      [[intel(), intel()], [intel()]],
      [
        { status: 'pass', messageId: 'sameVendor', subject: 'vendor', data: { vendor: 'GenuineIntel' } },
        { status: 'pass', messageId: 'sameModel', subject: 'model', data: { model: XEON_6230 } },
      ],
    ],
    [
      'models',
      [[intel()], [intel('Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz')]],
      [
        { status: 'pass', messageId: 'sameVendor', subject: 'vendor' },
        {
          status: 'warn',
          messageId: 'modelsDiffer',
          subject: 'model',
          data: { models: [XEON_6230, 'Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz'] },
        },
      ],
    ],
    [
      'vendors',
      [[intel()], [intel()], [amd(), amd()]],
      [
        {
          status: 'fail',
          messageId: 'mixedVendors',
          subject: 'vendor',
          data: {
            vendors: ['GenuineIntel', 'AuthenticAMD'],
            groups: 'GenuineIntel on hv01, hv02; AuthenticAMD on hv03',
          },
        },
      ],
    ],
  ];
  for (const [name, perNode, expected] of table) {
    const findings = await runCheck(
      check,
      nodesFacts(perNode.map((processors, i) => ok(`hv0${i + 1}`, { processors }))),
    );
    assertFindings(findings, expected);
    assert.ok(name);
  }
});

test('different models point to processor compatibility mode', async () => {
  const findings = await runCheck(
    check,
    nodesFacts([ok('hv01'), ok('hv02', { processors: [intel('Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz')] })]),
  );
  assert.ok(
    commandsOf(findings[1]).some(
      (c) =>
        c.includes("$vm = '<vm>'") && c.includes('Set-VMProcessor -VMName $vm -CompatibilityForMigrationEnabled $true'),
    ),
  );
});

test('a node not read is skipped and the others compared; a node without processors warns', async () => {
  assertFindings(
    await runCheck(check, nodesFacts([failed('hv01', ACCESS_DENIED), ok('hv02', { processors: [] }), ok('hv03')])),
    [
      { status: 'skipped', messageId: 'notRead', subject: 'hv01' },
      { status: 'warn', messageId: 'unreadable', subject: 'hv02' },
      { status: 'pass', messageId: 'sameVendor', subject: 'vendor' },
      { status: 'pass', messageId: 'sameModel', subject: 'model' },
    ],
  );
});
