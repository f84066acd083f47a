/**
 * `clusterprobe validate --only 'nodes.*'` end to end through the built CLI. With
 * CLUSTERPROBE_POWERSHELL pointing at test/fakes/fake-pwsh (a FAKE PowerShell replaying the
 * hand-written recordings of test/fixtures/powershell/nodes, spoken to through node-powershell's
 * real process protocol), and on this Linux machine without it: every nodes.* check skipped with
 * its reason, the exit code what the other checks make it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, runCli, tempFiles } from '../helpers/cli.ts';
import type { Report } from '../../src/engine/report.ts';

const FAKE = join(ROOT, 'test/fakes/fake-pwsh');
const RECORDINGS = join(ROOT, 'test/fixtures/powershell/nodes');
const NODE_CHECKS = [
  'nodes.reachable',
  'nodes.domain.membership',
  'nodes.os.consistency',
  'nodes.features',
  'nodes.cpu.vendor',
  'nodes.pending-reboot',
  'nodes.initiator.iqn',
];

const THREE = `cluster: { name: HVCLUSTER01, windowsVersion: "2019" }
nodes:
  - { name: hv01, fqdn: hv01.lab.example.test, iqn: iqn.1991-05.com.microsoft:hv01.lab.example.test }
  - { name: hv02, fqdn: hv02.lab.example.test }
  - { name: hv03, fqdn: hv03.lab.example.test }
`;

async function validate(
  spec: string,
  env: Record<string, string | undefined>,
  args: string[] = ['--only', 'nodes.*'],
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const dir = await tempFiles({ 'cluster.yaml': spec });
  const r = await runCli(['validate', '--config', join(dir, 'cluster.yaml'), '--json', ...args], {
    env: { CLUSTERPROBE_POWERSHELL: undefined, FAKE_PWSH_CASE: undefined, FAKE_PWSH_RECORDINGS: RECORDINGS, ...env },
  });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const table = (report: Report, checkId?: string) =>
  report.findings
    .filter((f) => checkId === undefined || f.checkId === checkId)
    .map((f) => [f.checkId, f.subject ?? null, f.status, f.messageId]);

test('Windows PowerShell 5.1 shapes, three nodes: every nodes.* finding', async () => {
  const { code, report, stderr } = await validate(THREE, { CLUSTERPROBE_POWERSHELL: FAKE });
  assert.equal(code, 3, stderr);
  assert.deepEqual(table(report), [
    ['nodes.reachable', 'hv01', 'pass', 'reachable'],
    ['nodes.reachable', 'hv02', 'pass', 'reachable'],
    ['nodes.reachable', 'hv03', 'fail', 'accessDenied'],
    ['nodes.domain.membership', 'hv01', 'pass', 'member'],
    ['nodes.domain.membership', 'hv02', 'pass', 'member'],
    ['nodes.domain.membership', 'hv03', 'skipped', 'notRead'],
    ['nodes.os.consistency', 'hv03', 'skipped', 'notRead'],
    ['nodes.os.consistency', 'version', 'pass', 'sameVersion'],
    ['nodes.os.consistency', 'build', 'warn', 'buildsDiffer'],
    ['nodes.os.consistency', 'edition', 'pass', 'sameEdition'],
    ['nodes.os.consistency', 'cluster.windowsVersion', 'pass', 'matchesSpec'],
    ['nodes.features', 'hv01 Failover-Clustering', 'pass', 'installed'],
    ['nodes.features', 'hv01 Hyper-V', 'pass', 'installed'],
    ['nodes.features', 'hv02 Failover-Clustering', 'pass', 'installed'],
    ['nodes.features', 'hv02 Hyper-V', 'warn', 'installPending'],
    ['nodes.features', 'hv03', 'skipped', 'notRead'],
    ['nodes.cpu.vendor', 'hv03', 'skipped', 'notRead'],
    ['nodes.cpu.vendor', 'vendor', 'pass', 'sameVendor'],
    ['nodes.cpu.vendor', 'model', 'warn', 'modelsDiffer'],
    ['nodes.pending-reboot', 'hv01', 'pass', 'noRebootPending'],
    ['nodes.pending-reboot', 'hv02', 'warn', 'rebootPending'],
    ['nodes.pending-reboot', 'hv03', 'skipped', 'notRead'],
    ['nodes.initiator.iqn', 'hv01', 'pass', 'matchesSpec'],
    ['nodes.initiator.iqn', 'hv02', 'pass', 'found'],
    ['nodes.initiator.iqn', 'hv03', 'skipped', 'notRead'],
  ]);
  const denied = report.findings.find((f) => f.messageId === 'accessDenied')!;
  assert.equal(denied.data.target, 'hv03.lab.example.test');
  assert.ok(
    denied.remediation!.steps.some((s) =>
      s.commands?.some(
        (c) => c.command === "Invoke-Command -ComputerName 'hv03.lab.example.test' -ScriptBlock { whoami /groups }",
      ),
    ),
  );
  assert.deepEqual(report.findings.find((f) => f.messageId === 'buildsDiffer')!.data.builds, [
    '17763.5020',
    '17763.4974',
  ]);
  assert.deepEqual(report.findings.find((f) => f.messageId === 'rebootPending')!.data.indicators, [
    'componentBasedServicing',
    'fileRenameOperations',
  ]);
  assert.equal(
    report.findings.find((f) => f.messageId === 'found')!.data.iqn,
    'iqn.1991-05.com.microsoft:hv02.lab.example.test',
  );
});

test('pwsh 7 shapes, seven nodes: mixed versions and vendors fail; a node that hung is a time-out, the others still read', async () => {
  const spec = `cluster: { windowsVersion: "2019" }
nodes:
${['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((n) => `  - { name: ${n}, fqdn: ${n}.lab.example.test }`).join('\n')}
  - { name: byip, fqdn: 10.0.0.31 }
`;
  const { code, report, stderr } = await validate(spec, {
    CLUSTERPROBE_POWERSHELL: FAKE,
    FAKE_PWSH_CASE: 'pwsh7-mixed',
  });
  assert.equal(code, 3, stderr);
  assert.deepEqual(table(report, 'nodes.reachable'), [
    ['nodes.reachable', 'n1', 'pass', 'reachable'],
    ['nodes.reachable', 'n2', 'pass', 'reachable'],
    ['nodes.reachable', 'n3', 'pass', 'reachable'],
    ['nodes.reachable', 'n4', 'fail', 'timeout'],
    ['nodes.reachable', 'n5', 'fail', 'unreachable'],
    ['nodes.reachable', 'n6', 'fail', 'dnsFailed'],
    ['nodes.reachable', 'byip', 'fail', 'authFailed'],
  ]);
  const pick = (id: string) => table(report, id).filter(([, , status]) => status !== 'skipped');
  assert.deepEqual(pick('nodes.os.consistency'), [
    ['nodes.os.consistency', 'version', 'fail', 'versionsDiffer'],
    ['nodes.os.consistency', 'edition', 'warn', 'editionsDiffer'],
    ['nodes.os.consistency', 'cluster.windowsVersion', 'fail', 'specMismatch'],
  ]);
  assert.deepEqual(report.findings.find((f) => f.messageId === 'specMismatch')!.data.nodes, ['n2']);
  assert.deepEqual(pick('nodes.cpu.vendor'), [['nodes.cpu.vendor', 'vendor', 'fail', 'mixedVendors']]);
  assert.equal(
    report.findings.filter((f) => f.messageId === 'notRead').length,
    4 * 6,
    'four nodes not read, in each of the six other checks',
  );
  const n2 = table(report, 'nodes.initiator.iqn').find(([, subject]) => subject === 'n2');
  assert.deepEqual(n2, ['nodes.initiator.iqn', 'n2', 'pass', 'found']);
});

test('2008 R2 nodes: RTM beside SP1 warns, Failover Clustering missing gets Add-WindowsFeature, Standard does not offer it', async () => {
  const spec = `cluster: { windowsVersion: "2008R2" }\nnodes:\n${['r2n1', 'r2n2', 'r2n3'].map((n) => `  - { name: ${n}, fqdn: ${n}.lab.example.test }`).join('\n')}\n`;
  const { code, report, stderr } = await validate(spec, { CLUSTERPROBE_POWERSHELL: FAKE });
  assert.equal(code, 3, stderr);
  const features = report.findings
    .filter((f) => f.checkId === 'nodes.features' && f.status !== 'pass')
    .map((f) => [f.subject, f.status, f.messageId]);
  assert.deepEqual(features, [
    ['r2n2 Failover-Clustering', 'fail', 'missing'],
    ['r2n3 Failover-Clustering', 'fail', 'notOffered'],
    ['r2n3 Hyper-V', 'fail', 'missing'],
  ]);
  const missing = report.findings.find((f) => f.subject === 'r2n2 Failover-Clustering')!;
  assert.ok(
    missing.remediation!.steps[0]!.commands!.some(
      (c) => c.command === 'Import-Module ServerManager; Add-WindowsFeature Failover-Clustering, RSAT-Clustering',
    ),
  );
  assert.ok(
    !JSON.stringify(missing.remediation).includes('Install-WindowsFeature'),
    'no 2012 cmdlet for a 2008 R2 node',
  );
  assert.deepEqual(table(report, 'nodes.os.consistency'), [
    ['nodes.os.consistency', 'version', 'pass', 'sameVersion'],
    ['nodes.os.consistency', 'build', 'warn', 'buildsDiffer'],
    ['nodes.os.consistency', 'edition', 'warn', 'editionsDiffer'],
    ['nodes.os.consistency', 'cluster.windowsVersion', 'pass', 'matchesSpec'],
  ]);
  assert.deepEqual(
    table(report, 'nodes.initiator.iqn').map(([, s, st, m]) => [s, st, m]),
    [
      ['r2n1', 'pass', 'found'],
      ['r2n2', 'pass', 'found'],
      ['r2n3', 'warn', 'unreadable'],
    ],
  );
  assert.deepEqual(
    table(report, 'nodes.pending-reboot').map(([, s, st]) => [s, st]),
    [
      ['r2n1', 'pass'],
      ['r2n2', 'pass'],
      ['r2n3', 'warn'],
    ],
  );
});

test('PowerShell not answering within windows.timeoutSeconds: nodes.reachable records the error, the rest skip; nothing hangs', async () => {
  const spec = `windows: { timeoutSeconds: 5 }\nnodes:\n  - { name: hv01, fqdn: hv01.lab.example.test }\n`;
  const started = Date.now();
  const { code, report, stderr } = await validate(spec, { CLUSTERPROBE_POWERSHELL: FAKE, FAKE_PWSH_CASE: 'slow' });
  assert.ok(Date.now() - started < 30_000, 'the run ends at the limit, not when the fake answers (at 60 s)');
  assert.equal(code, 3, stderr);
  assert.deepEqual(table(report), [
    ['nodes.reachable', null, 'error', 'runFailed'],
    ['nodes.domain.membership', 'hv01', 'skipped', 'notRead'],
    ['nodes.os.consistency', 'hv01', 'skipped', 'notRead'],
    ['nodes.features', 'hv01', 'skipped', 'notRead'],
    ['nodes.cpu.vendor', 'hv01', 'skipped', 'notRead'],
    ['nodes.pending-reboot', 'hv01', 'skipped', 'notRead'],
    ['nodes.initiator.iqn', 'hv01', 'skipped', 'notRead'],
  ]);
  assert.equal(report.findings[0]!.data.code, 'timeout');
});

test(
  'on this Linux machine without CLUSTERPROBE_POWERSHELL: every nodes.* check skipped (notWindows), the exit code the others make',
  { skip: process.platform === 'win32' },
  async () => {
    const spec =
      'cluster: { name: HVCLUSTER01 }\nnodes:\n  - { name: hv01, fqdn: hv01.lab.example.test }\n  - { name: hv02, fqdn: hv02.lab.example.test }\n';
    const all = await validate(spec, {}, []);
    assert.equal(all.code, 0, all.stderr);
    const nodes = all.report.findings.filter((f) => f.area === 'nodes');
    assert.deepEqual(
      nodes.map((f) => [f.checkId, f.status, f.messageId]),
      NODE_CHECKS.map((id) => [id, 'skipped', 'notWindows']),
    );
    for (const f of nodes) assert.match(String(f.data.reason), /this machine runs Linux, not Windows/);
    const without = await validate(spec, {}, ['--skip', 'nodes.*']);
    assert.equal(without.code, all.code);
    const strip = (r: Report) =>
      r.findings.filter((f) => f.area !== 'nodes').map((f) => [f.checkId, f.subject, f.status, f.messageId]);
    assert.deepEqual(strip(all.report), strip(without.report), 'the other checks report the same');
    assert.equal(all.report.verdict, without.report.verdict);
  },
);

test('CLUSTERPROBE_POWERSHELL naming nothing: skipped (noPowerShell), never an error', async () => {
  const { code, report } = await validate('nodes:\n  - { name: hv01 }\n', {
    CLUSTERPROBE_POWERSHELL: '/nonexistent/pwsh',
  });
  assert.equal(code, 0);
  assert.deepEqual(
    report.findings.map((f) => [f.checkId, f.status, f.messageId]),
    NODE_CHECKS.map((id) => [id, 'skipped', 'noPowerShell']),
  );
});
