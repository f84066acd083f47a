/**
 * The review's Active Directory walls, reproduced in a real Samba AD DC (test/lab/samba.ts) and
 * found by `validate --only 'ad.*'`: a Windows Server 2003 domain still in mixed mode, two hosts
 * with 18-character names that share their first 15, a node left in CN=Computers, a disabled
 * computer account, a node without a DNS record, and a bind account without the right to create
 * the cluster name object; then prestaged cluster name objects with and without Full Control,
 * and a delegation. One domain for the file; each test brings its own objects and cluster name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSamba, type SambaLab } from '../lab/samba.ts';
import { validateAd, type AdRun } from '../helpers/ad-validate.ts';
import type { Finding } from '../../src/engine/report.ts';

let lab: SambaLab;
const USER_PASSWORD = 'Cluster-adm-12345';

before(async () => {
  lab = await startSamba({ functionLevel: '2003' });
  await lab.setMixedMode(true);
  await lab.addOu('OU=HyperV,OU=Servers');
  await lab.addUser('clusteradm', USER_PASSWORD, { ou: 'OU=Servers' });
});

after(async () => {
  await lab?.stop();
});

interface As {
  readonly user?: string;
  readonly password?: string;
  /** activeDirectory.ou */
  readonly ou?: string;
}

function validate(lines: readonly string[], as: As = {}): Promise<AdRun> {
  return validateAd(lab, lines, {
    user: as.user ?? `clusteradm@${lab.domain}`,
    password: as.password ?? USER_PASSWORD,
    ...(as.ou ? { ou: as.ou } : {}),
  });
}

function commands(f: Finding): string[] {
  return (f.remediation?.steps ?? []).flatMap((s) => (s.commands ?? []).map((c) => c.command));
}

test("the review's lab: mixed mode, 18-character names, CN=Computers, a disabled account, no DNS record, no create right", async () => {
  const ou = 'OU=HyperV,OU=Servers';
  await lab.addComputer('HYPERVHOSTNODE-01A', { ou, enabled: true });
  await lab.addComputer('HYPERVHOSTNODE-01B', { ou, enabled: true });
  await lab.addComputer('HV03', { enabled: true });
  await lab.addComputer('HV04', { ou });
  await lab.addComputer('HV05', { ou, enabled: true });
  await lab.addDnsA('hypervhostnode-01a', '127.0.0.71');
  await lab.addDnsA('hypervhostnode-01b', '127.0.0.72');
  await lab.addDnsA('hv03', '127.0.0.73');
  await lab.addDnsA('hv04', '127.0.0.74');

  const r = await validate([
    'cluster: { name: HVCLUSTER01, windowsVersion: "2008R2" }',
    'nodes:',
    ...['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B', 'hv03', 'hv04', 'hv05'].map((n) => `  - { name: ${n} }`),
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(
    r.of('ad.connect').map(([s, m]) => [s, m]),
    [['pass', 'connected']],
  );
  assert.equal(r.find('ad.connect', 'connected').data.user, `clusteradm@${lab.domain}`);

  // Mixed mode, with the levels named and numbered, and the fixes on both platforms.
  const level = r.find('ad.domain.functional-level', 'mixedMode');
  assert.equal(level.status, 'fail');
  assert.equal(level.data.domainLevel, 2);
  assert.equal(level.data.forestLevel, 2);
  assert.equal(level.data.nTMixedDomain, 1);
  assert.ok(
    commands(level).includes(
      `Set-ADDomainMode -Identity '${lab.domain}' -DomainMode Windows2003Domain -Server (Get-ADDomain -Identity '${lab.domain}').PDCEmulator`,
    ),
    commands(level).join('\n'),
  );
  assert.ok(commands(level).some((c) => c.startsWith('samba-tool domain level raise --domain-level=2003')));

  // The 18-character names: accounts longer than NetBIOS allows, and the shared 15-character name.
  assert.deepEqual(
    r.of('ad.netbios.name').filter(([, , s]) => s?.startsWith('HYPERV')),
    [
      ['fail', 'longAccountName', 'HYPERVHOSTNODE-01A'],
      ['fail', 'longAccountName', 'HYPERVHOSTNODE-01B'],
    ],
  );
  const collision = r.find('ad.netbios.collision', 'namesCollide');
  assert.deepEqual(
    [collision.status, collision.subject, collision.data.hosts],
    ['fail', 'HYPERVHOSTNODE-', ['HYPERVHOSTNODE-01A', 'HYPERVHOSTNODE-01B']],
  );
  assert.ok(
    commands(collision).some(
      (c) => /^Rename-Computer -NewName '[^']{1,15}' /.test(c) || /^netdom renamecomputer /.test(c),
    ),
    commands(collision).join('\n'),
  );

  // hv03 in the Computers container; the others in OU=HyperV.
  assert.deepEqual(r.of('ad.ou.placement'), [['fail', 'inContainer', 'hv03']]);
  const move = r.find('ad.ou.placement', 'inContainer');
  assert.ok(
    commands(move).includes(`Move-ADObject -Identity 'CN=HV03,CN=Computers,${lab.baseDn}' -TargetPath '${lab.dn(ou)}'`),
    commands(move).join('\n'),
  );

  // hv04 disabled. The issue says Enable-ADComputer, which the ActiveDirectory module does not
  // have: Enable-ADAccount takes computer objects.
  const accounts = r.of('ad.computer.account');
  assert.deepEqual(
    accounts.filter(([s]) => s !== 'pass'),
    [['fail', 'disabled', 'hv04']],
  );
  assert.ok(
    commands(r.find('ad.computer.account', 'disabled')).includes(`Enable-ADAccount -Identity 'CN=HV04,${lab.dn(ou)}'`),
  );

  // hv05 without an A record; the others resolve to their own addresses.
  assert.deepEqual(
    r.of('ad.dns.node-records').filter(([s]) => s !== 'pass'),
    [['fail', 'noRecord', 'hv05']],
  );
  const dns = r.find('ad.dns.node-records', 'noRecord');
  assert.ok(
    commands(dns).some((c) => c.startsWith('Add-DnsServerResourceRecordA') && c.includes("-Name 'hv05'")),
    commands(dns).join('\n'),
  );
  assert.ok(
    commands(dns).some((c) => c.startsWith(`samba-tool dns add '${lab.dnsServer}' '${lab.domain}' 'hv05' A`)),
    commands(dns).join('\n'),
  );

  // clusteradm is a plain user: no Create Computer objects on the OU most nodes are in.
  const cno = r.find('ad.cno.readiness', 'cannotCreate');
  assert.equal(cno.status, 'fail');
  assert.equal(cno.data.ou, lab.dn(ou));
  assert.match(String(cno.data.missing), /Create Computer objects/);
  assert.ok(
    commands(cno).includes(`dsacls "${lab.dn(ou)}" /G "clusteradm@${lab.domain}:CC;computer"`),
    commands(cno).join('\n'),
  );
  assert.ok(
    commands(cno).some((c) => c.startsWith('New-ADComputer')),
    'prestaging is offered too',
  );

  assert.deepEqual(
    r.of('ad.time.skew').map(([s, m]) => [s, m]),
    [['pass', 'inSync']],
  );
  assert.deepEqual(r.of('ad.dc.discovery'), [['warn', 'singleDc', lab.domain]]);
});

test('the remediation fixes it: after Enable, a DNS record, the move, a delegation and native mode, those findings pass', async () => {
  const ou = 'OU=HyperV,OU=Servers';
  const ouDn = lab.dn(ou);
  await lab.addComputer('FIX01', { ou, enabled: true });
  await lab.addComputer('FIX02', { ou });
  await lab.addComputer('FIX03', { enabled: true });
  await lab.addDnsA('fix01', '127.0.0.81');
  await lab.addDnsA('fix02', '127.0.0.82');
  const spec = [
    'cluster: { name: FIXCLUSTER, windowsVersion: "2008R2" }',
    'nodes:',
    '  - { name: fix01 }',
    '  - { name: fix02 }',
    '  - { name: fix03 }',
  ];
  const before = await validate(spec);
  assert.deepEqual(
    before.of('ad.computer.account').filter(([s]) => s !== 'pass'),
    [['fail', 'disabled', 'fix02']],
  );
  assert.deepEqual(before.of('ad.ou.placement'), [['fail', 'inContainer', 'fix03']]);
  assert.deepEqual(
    before.of('ad.dns.node-records').filter(([s]) => s !== 'pass'),
    [['fail', 'noRecord', 'fix03']],
  );

  await lab.setComputerEnabled('FIX02', true);
  await lab.addDnsA('fix03', '127.0.0.83');
  await lab.sambaTool(['computer', 'move', 'FIX03', ouDn]);
  await lab.grantCreateComputer('clusteradm', ouDn);
  await lab.setMixedMode(false);
  try {
    const after = await validate(spec);
    for (const id of ['ad.computer.account', 'ad.dns.node-records', 'ad.netbios.name', 'ad.netbios.collision']) {
      assert.deepEqual(
        after.of(id).filter(([s]) => s !== 'pass'),
        [],
        id,
      );
    }
    assert.deepEqual(after.of('ad.ou.placement'), [['pass', 'sameOu', ouDn]]);
    assert.deepEqual(after.of('ad.cno.readiness'), [['pass', 'canCreate', 'FIXCLUSTER']]);
    // Native mode at the 2003 level: nothing certain stops 2008 R2 nodes.
    assert.deepEqual(after.of('ad.domain.functional-level'), [['pass', 'levels', lab.domain]]);
  } finally {
    await lab.setMixedMode(true);
  }
});

test('prestaged cluster name objects: disabled with Full Control passes, without it fails, enabled is taken', async () => {
  const ou = 'OU=Prestage,OU=Servers';
  const ouDn = await lab.addOu(ou);
  await lab.addComputer('PRE01', { ou, enabled: true });
  await lab.addComputer('PRE02', { ou, enabled: true });
  const granted = await lab.addComputer('PRECLUSTER1', { ou, dnsHostName: null });
  await lab.addComputer('PRECLUSTER2', { ou, dnsHostName: null });
  await lab.addComputer('PRECLUSTER3', { ou, dnsHostName: null, enabled: true });
  const sid = await lab.sidOf('clusteradm');
  await lab.addAce(granted, `(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;${sid})`);
  const nodes = ['nodes:', '  - { name: pre01 }', '  - { name: pre02 }'];

  const ok = await validate([`cluster: { name: PRECLUSTER1 }`, ...nodes]);
  assert.deepEqual(ok.of('ad.cno.readiness'), [['pass', 'prestaged', 'PRECLUSTER1']]);
  assert.deepEqual(
    ok.of('ad.netbios.collision').map(([s, m]) => [s, m]),
    [['pass', 'unique']],
  );
  assert.equal(ok.find('ad.netbios.collision', 'unique').data.prestagedCno, granted);

  const noRight = await validate([`cluster: { name: PRECLUSTER2 }`, ...nodes]);
  assert.deepEqual(noRight.of('ad.cno.readiness'), [['fail', 'prestagedNoFullControl', 'PRECLUSTER2']]);
  const f = noRight.find('ad.cno.readiness', 'prestagedNoFullControl');
  assert.ok(
    commands(f).some((c) => c.startsWith(`dsacls "CN=PRECLUSTER2,${ouDn}" /G "clusteradm@${lab.domain}:GA"`)),
    commands(f).join('\n'),
  );

  const taken = await validate([`cluster: { name: PRECLUSTER3 }`, ...nodes]);
  assert.deepEqual(
    taken.of('ad.cno.readiness').map(([s, m]) => [s, m]),
    [['fail', 'nameTaken']],
  );
  assert.deepEqual(
    taken.of('ad.netbios.collision').map(([s, m]) => [s, m]),
    [['fail', 'clusterNameInUse']],
  );
});

test('activeDirectory.ou: a node elsewhere fails notInConfiguredOu; an OU that does not exist fails configuredOuMissing and ouMissing', async () => {
  await lab.addOu('OU=Cluster2,OU=Servers');
  await lab.addComputer('OUN01', { ou: 'OU=Cluster2,OU=Servers', enabled: true });
  await lab.addComputer('OUN02', { ou: 'OU=HyperV,OU=Servers', enabled: true });
  const spec = ['cluster: { name: OUCLUSTER }', 'nodes:', '  - { name: oun01 }', '  - { name: oun02 }'];

  const r = await validate(spec, { ou: lab.dn('OU=Cluster2,OU=Servers') });
  assert.deepEqual(r.of('ad.ou.placement'), [['fail', 'notInConfiguredOu', 'oun02']]);
  assert.ok(
    commands(r.find('ad.ou.placement', 'notInConfiguredOu')).includes(
      `Move-ADObject -Identity 'CN=OUN02,${lab.dn('OU=HyperV,OU=Servers')}' -TargetPath '${lab.dn('OU=Cluster2,OU=Servers')}'`,
    ),
  );

  const nowhere = lab.dn('OU=Nowhere,OU=Servers');
  const missing = await validate(spec, { ou: nowhere });
  assert.deepEqual(missing.of('ad.ou.placement'), [
    ['fail', 'configuredOuMissing', nowhere],
    ['fail', 'notInConfiguredOu', 'oun01'],
    ['fail', 'notInConfiguredOu', 'oun02'],
  ]);
  assert.ok(
    commands(missing.find('ad.ou.placement', 'configuredOuMissing')).includes(
      `New-ADOrganizationalUnit -Name 'Nowhere' -Path '${lab.dn('OU=Servers')}'`,
    ),
  );
  assert.deepEqual(missing.of('ad.cno.readiness'), [['fail', 'ouMissing', nowhere]]);
});
