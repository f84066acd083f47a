import { test } from 'node:test';
import assert from 'node:assert/strict';
import check, { versionLabel } from '../../../checks/nodes/os-consistency.ts';
import { runCheck, assertFindings, commandsOf } from '../../helpers/run-check.ts';
import { ACCESS_DENIED, GATE_CASES, failed, nodesFacts, ok, os2008r2, os2019 } from './facts.ts';

test('skipped on Linux/macOS, without PowerShell, and without nodes', async () => {
  for (const c of GATE_CASES) assertFindings(await runCheck(check, c.facts), [c.expected]);
});

test("one version, build and edition: three passes, and the spec's windowsVersion agrees", async () => {
  assertFindings(await runCheck(check, nodesFacts([ok('hv01'), ok('hv02')], { cluster: { windowsVersion: '2019' } })), [
    {
      status: 'pass',
      messageId: 'sameVersion',
      subject: 'version',
      data: { count: 2, version: 'Windows Server 2019' },
    },
    { status: 'pass', messageId: 'sameBuild', subject: 'build', data: { build: '17763.5020' } },
    { status: 'pass', messageId: 'sameEdition', subject: 'edition', data: { edition: 'ServerDatacenter' } },
    { status: 'pass', messageId: 'matchesSpec', subject: 'cluster.windowsVersion', data: { expected: '2019' } },
  ]);
});

test('the table: versions fail, builds and editions warn, the spec mismatch fails', async () => {
  const table: {
    name: string;
    nodes: ReturnType<typeof ok>[];
    spec?: Record<string, unknown>;
    expected: {
      status: 'pass' | 'warn' | 'fail' | 'skipped';
      messageId: string;
      subject?: string;
      data?: Record<string, unknown>;
    }[];
  }[] = [
    {
      name: 'another release',
      nodes: [ok('hv01'), ok('hv02'), ok('hv03', { os: os2008r2() })],
      expected: [
        {
          status: 'fail',
          messageId: 'versionsDiffer',
          subject: 'version',
          data: {
            versions: ['Windows Server 2019', 'Windows Server 2008 R2'],
            groups: 'Windows Server 2019 on hv01, hv02; Windows Server 2008 R2 on hv03',
          },
        },
        {
          status: 'warn',
          messageId: 'editionsDiffer',
          subject: 'edition',
          data: { editions: ['ServerDatacenter', 'ServerEnterprise'] },
        },
      ],
    },
    {
      name: 'another update level (UBR)',
      nodes: [ok('hv01'), ok('hv02', { os: os2019({ ubr: 4974, build: '17763.4974' }) })],
      expected: [
        { status: 'pass', messageId: 'sameVersion', subject: 'version' },
        {
          status: 'warn',
          messageId: 'buildsDiffer',
          subject: 'build',
          data: { builds: ['17763.5020', '17763.4974'], version: 'Windows Server 2019' },
        },
        { status: 'pass', messageId: 'sameEdition', subject: 'edition' },
      ],
    },
    {
      name: '2008 R2 RTM next to SP1 is a build difference, not a version one',
      nodes: [
        ok('r2n1', { os: os2008r2() }),
        ok('r2n2', { os: os2008r2({ version: '6.1.7600', buildNumber: '7600', build: '7600', servicePack: 0 }) }),
      ],
      spec: { cluster: { windowsVersion: '2008R2' } },
      expected: [
        { status: 'pass', messageId: 'sameVersion', subject: 'version', data: { version: 'Windows Server 2008 R2' } },
        { status: 'warn', messageId: 'buildsDiffer', subject: 'build', data: { builds: ['7601', '7600'] } },
        { status: 'pass', messageId: 'sameEdition', subject: 'edition' },
        { status: 'pass', messageId: 'matchesSpec', subject: 'cluster.windowsVersion' },
      ],
    },
    {
      name: 'another edition',
      nodes: [
        ok('hv01'),
        ok('hv02', {
          os: os2019({ editionId: 'ServerStandard', edition: 'ServerStandard', sku: 7, skuName: 'Standard' }),
        }),
      ],
      expected: [
        { status: 'pass', messageId: 'sameVersion', subject: 'version' },
        { status: 'pass', messageId: 'sameBuild', subject: 'build' },
        {
          status: 'warn',
          messageId: 'editionsDiffer',
          subject: 'edition',
          data: { groups: 'ServerDatacenter on hv01; ServerStandard on hv02' },
        },
      ],
    },
    {
      name: 'the spec says 2022',
      nodes: [ok('hv01'), ok('hv02')],
      spec: { cluster: { windowsVersion: '2022' } },
      expected: [
        { status: 'pass', messageId: 'sameVersion', subject: 'version' },
        { status: 'pass', messageId: 'sameBuild', subject: 'build' },
        { status: 'pass', messageId: 'sameEdition', subject: 'edition' },
        {
          status: 'fail',
          messageId: 'specMismatch',
          subject: 'cluster.windowsVersion',
          data: { expected: '2022', nodes: ['hv01', 'hv02'], actual: ['2019', '2019'] },
        },
      ],
    },
    {
      name: 'a node not read, one whose OS could not be read',
      nodes: [
        ok('hv01'),
        failed('hv02', ACCESS_DENIED),
        ok('hv03', {
          os: null,
          problems: [
            { section: 'os', message: 'Invalid class "Win32_OperatingSystem"', id: 'GetWMIManagementException' },
          ],
        }),
      ],
      expected: [
        { status: 'skipped', messageId: 'notRead', subject: 'hv02', data: { status: 'accessDenied' } },
        {
          status: 'warn',
          messageId: 'unreadable',
          subject: 'hv03',
          data: { error: 'Invalid class "Win32_OperatingSystem"' },
        },
        { status: 'pass', messageId: 'sameVersion', subject: 'version', data: { count: 1 } },
        { status: 'pass', messageId: 'sameBuild', subject: 'build' },
        { status: 'pass', messageId: 'sameEdition', subject: 'edition' },
      ],
    },
  ];
  for (const c of table) {
    await test(c.name, async () => assertFindings(await runCheck(check, nodesFacts(c.nodes, c.spec)), c.expected));
  }
});

test('a release clusterprobe does not list is compared by caption and whole version', () => {
  assert.equal(
    versionLabel(os2019({ release: null, version: '10.0.25398', caption: 'Microsoft Windows Server Datacenter' })),
    'Microsoft Windows Server Datacenter (10.0.25398)',
  );
});

test('the build fix compares hotfixes between two of the nodes', async () => {
  const findings = await runCheck(
    check,
    nodesFacts([ok('hv01'), ok('hv02', { os: os2019({ ubr: 1, build: '17763.1' }) })]),
  );
  const build = findings.find((f) => f.messageId === 'buildsDiffer');
  assert.ok(
    commandsOf(build).includes(
      'Compare-Object (Get-HotFix -ComputerName hv01.lab.example.test).HotFixID (Get-HotFix -ComputerName hv02.lab.example.test).HotFixID',
    ),
  );
});
